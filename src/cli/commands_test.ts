import assert from "node:assert/strict";
import { pipelineOptions } from "./commands.ts";
import { parseDeployArgs } from "./program.ts";

const options = (...argv: string[]) => {
  const parsed = parseDeployArgs(argv, { out: () => {}, err: () => {} });
  return pipelineOptions(parsed!.flags);
};

Deno.test("pipeline policy: deploy-rs's default revokes what succeeded; flags say otherwise", () => {
  assert.equal(options(".").onFailure, "stop-and-revoke");
  assert.equal(options(".", "--rollback-succeeded", "false").onFailure, "stop");
  assert.equal(options(".", "--keep-going").onFailure, "keep-going");
  assert.equal(
    options(".", "--keep-going", "--rollback-succeeded", "true").onFailure,
    "keep-going",
  );
});

Deno.test("pipeline policy: one activation goal from --dry-activate and --boot", () => {
  assert.equal(options(".").goal, "switch");
  assert.equal(options(".", "--dry-activate").goal, "dry-activate");
  assert.equal(options(".", "--boot").goal, "boot");
});

Deno.test("pipeline policy: GC roots only with -k, where -r says", () => {
  assert.equal(options(".").gcRoots, undefined);
  assert.equal(options(".", "-k").gcRoots, "./.deploy-gc");
  assert.equal(options(".", "-k", "-r", "/var/roots").gcRoots, "/var/roots");
  assert.deepEqual(options(".", "-c", "--", "--impure").extraNixArgs, ["--impure"]);
  assert.equal(options(".", "-c").checkSigs, true);
});

Deno.test("pipeline policy: --waves, --wave-pause and --max-failures reach the pipeline", () => {
  const o = options(".", "--waves", "web1; web2,web3; *", "--wave-pause", "30");
  assert.deepEqual(o.waves, [["web1"], ["web2", "web3"], ["*"]]);
  assert.equal(o.wavePause, 30);
  assert.equal(o.maxFailures, 0);
  assert.equal(options(".", "--keep-going", "--max-failures", "2").maxFailures, 2);
  assert.equal(options(".").waves, undefined);
});
