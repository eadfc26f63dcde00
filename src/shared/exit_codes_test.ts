import assert from "node:assert/strict";
import { deploymentExitCode, EXIT_CODE_TABLE, EXIT_CODES } from "./exit_codes.ts";
import type { ProfileResult } from "./events.ts";

const r = (status: ProfileResult["status"], extra: Partial<ProfileResult> = {}): ProfileResult => ({
  node: "n",
  profile: "p",
  status,
  ok: ["confirmed", "activated", "dry-activated", "activated-for-boot"].includes(status),
  message: "",
  ...extra,
});

Deno.test("exit code: every profile in place is 0", () => {
  assert.equal(deploymentExitCode([r("confirmed"), r("activated-for-boot")]), 0);
});

Deno.test("exit code: failed with every host back (rolled back, revoked, skipped, never started) is 1", () => {
  assert.equal(
    deploymentExitCode([r("rolled-back"), r("revoked"), r("skipped"), r("failed")]),
    EXIT_CODES.failedUnchanged,
  );
  // A dry activation changes nothing on its host.
  assert.equal(deploymentExitCode([r("dry-activated"), r("failed")]), 1);
});

Deno.test("exit code: failed while a host stays on a new generation, or decides by itself, is 3", () => {
  assert.equal(deploymentExitCode([r("confirmed"), r("rolled-back")]), EXIT_CODES.failedChanged);
  assert.equal(deploymentExitCode([r("failed", { hostLeft: "deciding" })]), 3);
  assert.equal(deploymentExitCode([r("revoked"), r("failed", { hostLeft: "new-generation" })]), 3);
});

Deno.test("exit codes: the table --help prints names every code once", () => {
  const codes = EXIT_CODE_TABLE.map(([c]) => c);
  assert.deepEqual(
    [...codes].sort((a, b) => a - b),
    [...new Set(Object.values(EXIT_CODES))].sort((a, b) => a - b),
  );
});
