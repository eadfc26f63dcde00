import assert from "node:assert/strict";
import { DeployError } from "../shared/errors.ts";
import { parseCheckResults, parseHelperEvent, parseProfileDescription } from "./helper_output.ts";

const where = { node: "web", profile: "system" };
const status = {
  phase: "done",
  outcome: "confirmed",
  pid: 42,
  profilePath: "/nix/var/nix/profiles/system",
  closure: "/nix/store/x-system",
  previousGeneration: 1,
  newGeneration: 2,
  startedAt: 1,
  updatedAt: 2,
};

Deno.test("helper output: events of the protocol pass, other text is host output", () => {
  const e = parseHelperEvent(
    JSON.stringify({ type: "outcome", outcome: "confirmed", ok: true, message: "ok", status }),
    where,
  );
  assert.equal(e?.type, "outcome");
  assert.equal(parseHelperEvent("activating system as root", where), undefined);
  assert.equal(parseHelperEvent("{ not json", where), undefined);
  assert.equal(parseHelperEvent('{"no":"type"}', where), undefined);
});

Deno.test("helper output: an event of the wrong shape is an error naming node and profile, never a cast", () => {
  const bad = JSON.stringify({ type: "outcome", outcome: "kinda", ok: true, message: "", status });
  assert.throws(
    () => parseHelperEvent(bad, where),
    (e) =>
      e instanceof DeployError && /^web\.system: the helper on the host printed an event/.test(
        e.describe(),
      ) && /outcome/.test(e.message),
  );
  assert.throws(() => parseHelperEvent(JSON.stringify({ type: "run" }), where), DeployError);
});

Deno.test("helper output: the profile description is checked, last line wins", () => {
  const d = {
    profilePath: "/p",
    generation: 2,
    closure: "/nix/store/x",
    generations: [{ generation: 2, closure: "/nix/store/x" }],
    record: null,
    recovered: null,
  };
  assert.deepEqual(parseProfileDescription(`noise\n${JSON.stringify(d)}\n`, where), d);
  assert.throws(
    () => parseProfileDescription(JSON.stringify({ ...d, generation: "2" }), where),
    /malformed .* at generation/,
  );
  assert.throws(() => parseProfileDescription("Permission denied", where), /not JSON/);
});

Deno.test("helper output: check-health results are checked, last line wins, each a command check", () => {
  assert.deepEqual(
    parseCheckResults('noise\n[{"name":"api","ok":false,"output":"exit 3","extra":1}]\n', where),
    [{ name: "api", kind: "command", ok: false, output: "exit 3" }],
  );
  assert.deepEqual(parseCheckResults("[]", where), []);
  for (
    const bad of [
      "Permission denied",
      '{"name":"api"}',
      '[{"name":"api","ok":"yes","output":""}]',
      "[null]",
      "",
    ]
  ) {
    assert.throws(
      () => parseCheckResults(bad, where),
      (e) =>
        e instanceof DeployError &&
        e.message === "the helper's health check results are not what deploy-ts expects" &&
        e.context?.node === "web",
      bad,
    );
  }
});
