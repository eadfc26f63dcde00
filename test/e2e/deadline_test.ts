/**
 * After the switch, one deadline governs (issue 18, item 3): a host check
 * whose grandchild holds its output pipe (`sleep 300 | cat`) is killed with
 * its whole process group at healthTimeout, the host rolls back within its
 * window, nothing of the check is left running, the lock is free for the
 * next deployment, and `deploy check` ends at healthTimeout too.
 */
import assert from "node:assert/strict";
import { Testbed } from "../support/testbed.ts";
import { deployFleet, fleetFlake, profileTarget, ROOT_PROFILE } from "../support/fleet.ts";

const HANG = { hang: { command: ["/bin/sh", "-c", "sleep 300 | cat"] } };
const SETTINGS = { healthTimeout: 3, healthInterval: 1, confirmTimeout: 8 };
/** The window (confirmTimeout + healthTimeout) plus a generous allowance for build, copy and SSH. */
const DEPLOY_BOUND_SECONDS = 11 + 60;

/**
 * `sleep` processes of the host: the testbed shares the PID namespace, so a
 * host's own are those in its mount namespace.
 */
async function sleepsOn(tb: Testbed, host: string): Promise<string> {
  const r = await tb.exec(host, [
    "sh",
    "-c",
    `me=$(readlink /proc/self/ns/mnt)
     for p in /proc/[0-9]*; do
       [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$me" ] || continue
       [ "$(cat "$p/comm" 2>/dev/null)" = sleep ] && echo "\${p#/proc/} $(tr '\\0' ' ' <"$p/cmdline")"
     done; true`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const r = await f();
  return [r, (performance.now() - started) / 1000];
}

Deno.test("deadline: a host check whose grandchild holds the pipe rolls back within the window, leaves nothing running, frees the lock; deploy check ends at healthTimeout", async () => {
  await using tb = await Testbed.up(1);
  const fleet = (message: string, checks: Record<string, unknown>) =>
    fleetFlake(tb, {
      web: {
        hostname: "h1",
        settings: { ...SETTINGS, ...(Object.keys(checks).length ? { healthChecks: checks } : {}) },
        profiles: { system: { message } },
      },
    });
  const first = await deployFleet(fleet("good", {}), []);
  assert.equal(first.code, 0, first.stderr);
  const good = await profileTarget(tb, "h1", ROOT_PROFILE("system"));
  assert.match(good, /-profile-good$/);

  const [hung, seconds] = await timed(() => deployFleet(fleet("hung", HANG), []));
  console.log(`deploy with the hanging check: ${seconds.toFixed(1)}s, exit ${hung.code}`);
  assert.notEqual(hung.code, 0, hung.stderr);
  assert.ok(seconds < DEPLOY_BOUND_SECONDS, `the deployer took ${seconds}s`);
  assert.match(hung.stderr, /web\.system +rolled back +health check hang \(command\) did not pass/);
  assert.equal(await profileTarget(tb, "h1", ROOT_PROFILE("system")), good);
  assert.equal(await sleepsOn(tb, "h1"), "", "a process of the check outlived it");

  // The lock went with the run: the next deployment of the profile is not refused.
  const next = await deployFleet(fleet("next", {}), []);
  assert.equal(next.code, 0, next.stderr);
  assert.match(await profileTarget(tb, "h1", ROOT_PROFILE("system")), /-profile-next$/);

  const [check, checkSeconds] = await timed(() => deployFleet(fleet("next", HANG), ["check"]));
  console.log(
    `deploy check with the hanging check: ${checkSeconds.toFixed(1)}s, exit ${check.code}`,
  );
  assert.equal(check.code, 1, check.stderr);
  assert.ok(checkSeconds < 3 + 30, `deploy check took ${checkSeconds}s`);
  assert.match(check.stdout + check.stderr, /hang/);
  assert.equal(await sleepsOn(tb, "h1"), "", "a process of the check outlived deploy check");
});
