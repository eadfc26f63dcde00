/**
 * The one-file bundle runs under Deno and under Node, and does not depend on
 * whether npm's install scripts compiled ssh2's optional native addons.
 */
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../src/process/run.ts";
import { bundlePath, DENO } from "../support/cli.ts";
import { fleetFlake, profileTarget, ROOT_PROFILE } from "../support/fleet.ts";
import { REPO_ROOT, Testbed } from "../support/testbed.ts";
import { VERSION } from "../../src/shared/version.ts";

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

Deno.test("bundle: built after `npm ci --ignore-scripts` it is the same file as with install scripts on, and deploys over both transports", async () => {
  // Two copies of the sources: one installs its own dependencies with npm's
  // install scripts off (no native addon compiled), one uses this checkout's,
  // where setup's `npm ci` compiled them.
  const compiled = join(REPO_ROOT, "node_modules/cpu-features/build/Release/cpufeatures.node");
  assert.ok(existsSync(compiled), "this checkout's npm ci compiled ssh2's native addon");
  const tmp = mkdtempSync(join(tmpdir(), "deploy-ts-bundle-"));
  await using _cleanup = { [Symbol.asyncDispose]: () => Deno.remove(tmp, { recursive: true }) };
  const copy = (name: string) => {
    const dir = join(tmp, name);
    mkdirSync(dir);
    for (
      const f of ["src", "scripts", "mod.ts", "deno.json", "package.json", "package-lock.json"]
    ) {
      cpSync(join(REPO_ROOT, f), join(dir, f), { recursive: true });
    }
    return dir;
  };
  const off = copy("scripts-off");
  const ci = await run(
    ["npm", "ci", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund"],
    { cwd: off },
  );
  assert.equal(ci.code, 0, ci.stderr);
  assert.ok(!existsSync(join(off, "node_modules/cpu-features/build")), "no addon was compiled");
  const on = copy("scripts-on");
  symlinkSync(join(REPO_ROOT, "node_modules"), join(on, "node_modules"));
  for (const dir of [off, on]) {
    const b = await run([join(dir, "scripts/build")], { cwd: dir });
    assert.equal(b.code, 0, b.stderr);
  }
  const bundle = join(off, "dist/deploy.mjs");
  assert.ok(readFileSync(bundle).equals(readFileSync(join(on, "dist/deploy.mjs"))));

  // That bundle, as the deployer (and so as the helper it packages), over both transports.
  await using tb = await Testbed.up(1);
  for (const transport of ["openssh", "ssh2"]) {
    const dir = fleetFlake(tb, {
      a: { hostname: "h1", profiles: { system: { message: `via-${transport}` } } },
    }, { transport });
    const r = await run([DENO, "run", "-A", bundle, "-s", "--no-progress", "."], {
      cwd: dir,
      env: { NO_COLOR: "1" },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /a\.system +confirmed/);
    assert.match(
      await profileTarget(tb, "h1", ROOT_PROFILE("system")),
      new RegExp(`-via-${transport}$`),
    );
  }
});
