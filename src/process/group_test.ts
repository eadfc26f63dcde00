import assert from "node:assert/strict";
import process from "node:process";
import { runInGroup } from "./group.ts";

/** True while any process of group `pgid` is left. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Wait (generously) for a group that was just killed to be reaped. */
async function groupGone(pgid: number): Promise<boolean> {
  for (let i = 0; i < 50 && groupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 100));
  return !groupAlive(pgid);
}

/** Runs `script` under sh, which first prints its pid: the group's id. */
async function run(script: string, o: Parameters<typeof runInGroup>[1]) {
  let out = "";
  const started = performance.now();
  const r = await runInGroup(["/bin/sh", "-c", `echo $$; ${script}`], {
    ...o,
    onOutput: (c) => (out += new TextDecoder().decode(c)),
  });
  return { r, pgid: Number(out.split("\n")[0]), seconds: (performance.now() - started) / 1000 };
}

Deno.test("runInGroup: at the limit a grandchild holding the pipe goes with the group", async () => {
  const { r, pgid, seconds } = await run("sleep 300 | cat", { stdio: "pipe", timeoutMs: 500 });
  assert(r.timedOut);
  assert(pgid > 0);
  assert(seconds < 30, `took ${seconds}s`);
  assert(await groupGone(pgid), "a process of the group outlived the limit");
});

Deno.test("runInGroup: TERM ignored, KILL follows after the grace", async () => {
  const { r, pgid, seconds } = await run(`trap "" TERM; sleep 300`, {
    stdio: "pipe",
    timeoutMs: 300,
    graceMs: 300,
  });
  assert(r.timedOut);
  assert(seconds < 30, `took ${seconds}s`);
  assert(await groupGone(pgid));
});

Deno.test("runInGroup: killLeftovers ends what the leader left behind", async () => {
  const { r, pgid, seconds } = await run("sleep 300 & exit 0", {
    stdio: "pipe",
    killLeftovers: true,
  });
  assert.equal(r.code, 0);
  assert(!r.timedOut);
  assert(seconds < 30, `took ${seconds}s`);
  assert(await groupGone(pgid));
});

Deno.test("runInGroup: pipes held after the leader exited are waited for at most drainMs", async () => {
  const { r, pgid, seconds } = await run("sleep 300 & exit 3", { stdio: "pipe", drainMs: 200 });
  try {
    assert.equal(r.code, 3);
    assert(seconds < 30, `took ${seconds}s`);
  } finally {
    process.kill(-pgid, "SIGKILL");
  }
});

Deno.test("runInGroup: a command that cannot start is exit 127", async () => {
  const r = await runInGroup(["/nonexistent/deploy-ts-no-such-command"], { stdio: "pipe" });
  assert.equal(r.code, 127);
  assert(r.spawnError);
});
