/**
 * scripts/failure-digest.awk: what a CI log whose head was cut still says
 * about each failed test.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { run } from "../src/process/run.ts";
import { REPO_ROOT } from "../test/support/testbed.ts";

Deno.test("failure digest: one block per failed test, its error's first lines, no stack frames", async () => {
  const log = [
    "./a_test.ts => passes ... ok (1ms)",
    "",
    " ERRORS ",
    "",
    "deploy: web.app => ./test/e2e/a_test.ts:40:6",
    "error: AssertionError: deploy exited 1",
    "deploy: error: web.app: the state directory is owned by uid 0",
    "    at file:///x/a_test.ts:50:10",
    "",
    "second => ./test/e2e/b_test.ts:7:6",
    "error: Error: boom",
    "",
    " FAILURES ",
    "",
    "deploy: web.app => ./test/e2e/a_test.ts:40:6",
  ].join("\n");
  const r = await run(
    ["awk", "-v", "MAX=25", "-f", join(REPO_ROOT, "scripts/failure-digest.awk")],
    {
      input: log,
    },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    [
      "--- deploy: web.app => ./test/e2e/a_test.ts:40:6",
      "    error: AssertionError: deploy exited 1",
      "    deploy: error: web.app: the state directory is owned by uid 0",
      "--- second => ./test/e2e/b_test.ts:7:6",
      "    error: Error: boom",
      "",
    ].join("\n"),
  );
});
