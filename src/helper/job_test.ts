import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeployError } from "../shared/errors.ts";
import { type ActivationJob, parseJob, type RevokeJob } from "./job.ts";
import { RunDir } from "./run_dir.ts";

const ACTIVATION: ActivationJob = {
  kind: "activate",
  closure: "/nix/store/abc-system",
  profilePath: "/nix/var/nix/profiles/system",
  goal: "switch",
  autoRollback: true,
  magicRollback: true,
  confirmTimeout: 30,
  deployer: "alice from 10.0.0.1",
};
const FULL_ACTIVATION: ActivationJob = {
  ...ACTIVATION,
  goal: "boot",
  generation: 0,
  activationTimeout: 240,
  healthChecks: { api: ["curl", "-fsS", "http://localhost/"], none: [] },
  healthTimeout: 60,
  healthInterval: 2,
};
const REVOKE: RevokeJob = {
  kind: "revoke",
  profilePath: "/p",
  toGeneration: null,
  removeGeneration: 4,
  boot: false,
  deployer: "bob",
  expectGeneration: 4,
};

Deno.test("job: every job the helper writes reads back as it was", () => {
  for (const job of [ACTIVATION, FULL_ACTIVATION, REVOKE, { ...REVOKE, activationTimeout: 9 }]) {
    assert.deepEqual(parseJob(JSON.stringify(job), "/r/job.json"), job);
  }
});

Deno.test("job: a malformed or wrong-typed job is refused, naming the file and the field", () => {
  const cases: [string, RegExp][] = [
    ["{", /^\/r\/job\.json is not a job this helper can carry out: not JSON/],
    ["[]", /not a JSON object/],
    ["null", /not a JSON object/],
    [
      JSON.stringify({ ...ACTIVATION, kind: "dance" }),
      /kind: expected "activate" or "revoke", found "dance"/,
    ],
    [JSON.stringify({ ...ACTIVATION, kind: undefined }), /kind: .* found nothing/],
    [
      JSON.stringify({ ...ACTIVATION, confirmTimeout: "30" }),
      /confirmTimeout: expected a whole number of seconds up to 2147483, found "30"/,
    ],
    [
      JSON.stringify({ ...ACTIVATION, confirmTimeout: 2147484 }),
      /confirmTimeout: expected a whole number/,
    ],
    [
      JSON.stringify({ ...ACTIVATION, closure: undefined }),
      /closure: expected a string, found nothing/,
    ],
    [
      JSON.stringify({ ...ACTIVATION, goal: "reboot" }),
      /goal: expected "switch", "boot" or "dry-activate", found "reboot"/,
    ],
    [
      JSON.stringify({ ...ACTIVATION, magicRollback: "yes" }),
      /magicRollback: expected true or false/,
    ],
    [
      JSON.stringify({ ...ACTIVATION, generation: -1 }),
      /generation: expected a generation number, found -1/,
    ],
    [
      JSON.stringify({ ...ACTIVATION, generation: null }),
      /generation: expected a generation number, found null/,
    ],
    [
      JSON.stringify({ ...ACTIVATION, healthChecks: { api: "curl x" } }),
      /healthChecks: expected an object of name → argv/,
    ],
    [JSON.stringify({ ...ACTIVATION, healthChecks: { api: [1] } }), /healthChecks: expected/],
    [JSON.stringify({ ...ACTIVATION, healthChecks: [] }), /healthChecks: expected/],
    [
      JSON.stringify({ ...REVOKE, toGeneration: undefined }),
      /toGeneration: expected a generation number or null, found nothing/,
    ],
    [
      JSON.stringify({ ...REVOKE, expectGeneration: 1.5 }),
      /expectGeneration: expected a generation number or null, found 1.5/,
    ],
    // A revoke's fields are not an activation's.
    [JSON.stringify({ ...REVOKE, kind: "activate" }), /closure: expected a string, found nothing/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseJob(text, "/r/job.json"),
      (e) => e instanceof DeployError && message.test(e.message),
      text,
    );
  }
});

Deno.test("job: RunDir.readJob checks what it reads", () => {
  const temp = mkdtempSync(join(tmpdir(), "job-test-"));
  try {
    const run = RunDir.create(temp);
    run.writeJob(FULL_ACTIVATION);
    assert.deepEqual(run.readJob(), FULL_ACTIVATION);
    writeFileSync(join(run.path, "job.json"), JSON.stringify({ ...REVOKE, boot: 1 }));
    assert.throws(() => run.readJob(), /job\.json is not a job this helper can carry out: boot:/);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
});
