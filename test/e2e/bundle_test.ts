/** The one-file bundle runs under Deno and under Node. */
import assert from "node:assert/strict";
import { run } from "../../src/process/run.ts";
import { bundlePath, DENO } from "../support/cli.ts";
import { VERSION } from "../../src/version.ts";

for (const [runtime, argv] of [["deno", [DENO, "run", "-A"]], ["node", ["node"]]] as const) {
  Deno.test(`bundle: --version and --help under ${runtime}`, async () => {
    const file = await bundlePath();
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
