/** A run from a checkout puts deploy-ts into the local store once, not on every run. */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../src/process/run.ts";
import { DENO } from "../support/cli.ts";
import { bundlePath } from "../support/cli.ts";
import { REPO_ROOT } from "../support/testbed.ts";

/** selfPackage() in a new process: its store path, and whether it ran nix-build. */
async function selfPackageInNewProcess(cache: string) {
  const script = `
    import { observeCommands } from ${JSON.stringify(join(REPO_ROOT, "src/process/run.ts"))};
    import { selfPackage } from ${JSON.stringify(join(REPO_ROOT, "src/nix/self_package.ts"))};
    const ran = [];
    observeCommands((argv) => ran.push(argv[0]));
    console.log(JSON.stringify({ path: await selfPackage(), ran }));
  `;
  const r = await run([DENO, "eval", "--config", join(REPO_ROOT, "deno.json"), script], {
    env: { XDG_CACHE_HOME: cache },
  });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { path: string; ran: string[] };
}

Deno.test("self package: a second run from the same checkout adds nothing to the store", async () => {
  await bundlePath();
  const cache = mkdtempSync(join(tmpdir(), "deploy-ts-cache-"));
  const first = await selfPackageInNewProcess(cache);
  assert.deepEqual(first.ran, ["nix-build"]);
  assert.match(first.path, /^\/nix\/store\/[a-z0-9]{32}-deploy-ts-/);
  const second = await selfPackageInNewProcess(cache);
  assert.deepEqual(second.ran, [], "nothing re-hashed when nothing changed");
  assert.equal(second.path, first.path);
});
