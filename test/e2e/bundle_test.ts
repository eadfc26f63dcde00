/** The one-file bundle runs under Deno and under Node. */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { run, runChecked } from "../../src/process/run.ts";
import { REPO_ROOT } from "../support/testbed.ts";
import { DENO } from "../support/cli.ts";
import { VERSION } from "../../src/version.ts";

const BUNDLE = join(REPO_ROOT, "dist", "deploy.mjs");

async function bundle(): Promise<string> {
  if (!existsSync(BUNDLE)) await runChecked([join(REPO_ROOT, "scripts", "build")]);
  return BUNDLE;
}

for (const [runtime, argv] of [["deno", [DENO, "run", "-A"]], ["node", ["node"]]] as const) {
  Deno.test(`bundle: --version and --help under ${runtime}`, async () => {
    const file = await bundle();
    const version = await run([...argv, file, "--version"], { cwd: "/" });
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), VERSION);
    const help = await run([...argv, file, "--help"], { cwd: "/" });
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /Usage: deploy /);
    assert.match(help.stdout, /--magic-rollback <bool>/);
    const bad = await run([...argv, file, "--magic-rollback", "maybe"], { cwd: "/" });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /expected true or false/);
  });
}
