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

/** Pids of the host's helper workers (`run-job`), with their state letter (T: stopped). */
async function workersOn(tb: Testbed, host: string): Promise<{ pid: number; state: string }[]> {
  const r = await tb.exec(host, [
    "sh",
    "-c",
    `me=$(readlink /proc/self/ns/mnt)
     for p in /proc/[0-9]*; do
       [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$me" ] || continue
       tr '\\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q ' run-[j]ob ' || continue
       echo "\${p#/proc/} $(sed 's/.*) //' "$p/stat" | cut -d' ' -f1)"
     done; true`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split("\n").filter(Boolean).map((l) => {
    const [pid, state] = l.split(" ");
    return { pid: Number(pid), state };
  });
}

Deno.test("deadline: a host that never reports an outcome is given up a bounded time after the window; the profile is reported lost", async () => {
  await using tb = await Testbed.up(1);
  // The check stops the worker itself, in the window: the host then reports nothing.
  const STOP = { stop: { command: ["/bin/sh", "-c", "kill -STOP $PPID"] } };
  // Follow limit: confirmTimeout + healthTimeout + activationTimeout + 30 s = 44 s.
  const settings = { confirmTimeout: 8, healthTimeout: 1, healthInterval: 1, activationTimeout: 5 };
  const fleet = (message: string, checks?: Record<string, unknown>) =>
    fleetFlake(tb, {
      web: {
        hostname: "h1",
        settings: { ...settings, ...(checks ? { healthChecks: checks } : {}) },
        profiles: { system: { message } },
      },
    });
  assert.equal((await deployFleet(fleet("good"), [])).code, 0);

  const [r, seconds] = await timed(() => deployFleet(fleet("stopped", STOP), []));
  console.log(
    `deploy with the worker stopped in its window: ${seconds.toFixed(1)}s, exit ${r.code}`,
  );
  assert.notEqual(r.code, 0, r.stderr);
  assert.ok(seconds < 44 + 60, `the deployer took ${seconds}s`);
  assert.match(r.stderr, /no outcome within 44s of the window opening/);
  assert.match(r.stderr, /the host decides by itself/);

  // Let the host decide: the worker goes on and finishes, freeing the lock.
  const stopped = (await workersOn(tb, "h1")).filter((w) => w.state === "T");
  assert.equal(stopped.length, 1, JSON.stringify(await workersOn(tb, "h1")));
  await tb.exec("h1", ["kill", "-CONT", String(stopped[0].pid)]);
  for (let i = 0; i < 120 && (await workersOn(tb, "h1")).length > 0; i++) {
    await new Promise((r) => setTimeout(r, 500));
  }
  const logs = await tb.exec("h1", [
    "sh",
    "-c",
    "tail -n 30 /tmp/deploy-ts-*/log /tmp/deploy-ts-*/status.json 2>/dev/null; true",
  ]);
  assert.deepEqual(await workersOn(tb, "h1"), [], logs.stdout);
  const next = await deployFleet(fleet("next"), []);
  assert.equal(next.code, 0, next.stderr);
});
