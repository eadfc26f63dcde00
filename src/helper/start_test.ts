import assert from "node:assert/strict";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { startAndFollow } from "./start.ts";
import { RunDir } from "./run_dir.ts";

Deno.test("start: a worker that cannot be started ends the run failed, saying why", async () => {
  const tempPath = mkdtempSync(join(tmpdir(), "deploy-ts-start-test-"));
  const before = process.env.DEPLOY_TS_BIN;
  // Under Deno, unref() of a child whose spawn failed throws: the helper
  // used to die of it ("internal error"), hiding the cause.
  process.env.DEPLOY_TS_BIN = join(tempPath, "no-such-deploy");
  try {
    const code = await startAndFollow(tempPath, {
      kind: "revoke",
      profilePath: join(tempPath, "profile"),
      toGeneration: null,
      removeGeneration: null,
      boot: false,
      deployer: "test",
      expectGeneration: null,
    });
    assert.notEqual(code, 0);
  } finally {
    if (before === undefined) delete process.env.DEPLOY_TS_BIN;
    else process.env.DEPLOY_TS_BIN = before;
  }
  const [run] = readdirSync(tempPath).filter((f) => f.startsWith("deploy-ts-"));
  const status = RunDir.open(join(tempPath, run)).readStatus();
  assert.equal(status?.outcome, "failed");
  assert.match(status?.message ?? "", /could not start the worker: .*ENOENT/);
});
