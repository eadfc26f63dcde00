import assert from "node:assert/strict";
import { planOf } from "../config/plan_testing.ts";
import { SharedLogins } from "./sessions.ts";

Deno.test("SharedLogins: one login per way of reaching a host; a failed one is closed and is the error; all closed at the end", async () => {
  const calls: string[] = [];
  const logins = new SharedLogins((p) => ({
    open: () => {
      calls.push(`open ${p.hostname}`);
      return p.hostname === "down" ? Promise.reject(new Error("refused")) : Promise.resolve();
    },
    close: () => (calls.push(`close ${p.hostname}`), Promise.resolve()),
  }));
  const a = planOf("web");
  const b = { ...planOf("web", { profile: "app" }) };
  const first = await logins.login(a);
  assert.equal(await logins.login(b), first, "the same login for both profiles");
  assert.ok(logins.has(b));
  const down = await logins.login(planOf("down"));
  assert.ok(down instanceof Error && down.message === "refused");
  await logins.closeAll();
  assert.deepEqual(calls, ["open web", "open down", "close down", "close web"]);
});

/** Logins that record open and close, and how many are open at once. */
function countedLogins(refuse: (hostname: string, nth: number) => boolean = () => false) {
  const calls: string[] = [];
  let open = 0;
  let most = 0;
  const opened = new Map<string, number>();
  const logins = new SharedLogins((p) => ({
    open: () => {
      const nth = (opened.get(p.hostname) ?? 0) + 1;
      opened.set(p.hostname, nth);
      calls.push(`open ${p.hostname}`);
      if (refuse(p.hostname, nth)) return Promise.reject(new Error(`refused ${p.hostname}`));
      most = Math.max(most, ++open);
      return Promise.resolve();
    },
    close: () => (calls.push(`close ${p.hostname}`), open--, Promise.resolve()),
  }));
  return { calls, logins, most: () => most, open: () => open };
}

Deno.test("SharedLogins.using: the last holder closes a login; a later user logs in again", async () => {
  const { calls, logins, open } = countedLogins();
  const web = planOf("web");
  const webApp = planOf("web", { profile: "app" });
  let release!: () => void;
  const held = new Promise<void>((r) => release = r);
  // Two holders of one login (two nodes that reach the host the same way).
  const first = logins.using([web], async () => {
    await logins.login(web);
    await held;
  });
  const second = logins.using([webApp], () => logins.login(webApp));
  await second;
  assert.deepEqual(calls, ["open web"], "still held by the first: not closed");
  assert.ok(logins.has(web));
  release();
  await first;
  assert.deepEqual(calls, ["open web", "close web"]);
  assert.equal(logins.has(web), false);
  // A revoke after the node was done: a new login, closed again when done.
  await logins.using([web], async () => assert.ok(!((await logins.login(web)) instanceof Error)));
  assert.deepEqual(calls, ["open web", "close web", "open web", "close web"]);
  assert.equal(open(), 0);
  await logins.closeAll();
  assert.equal(calls.length, 4, "closeAll closes nothing twice");
});

Deno.test("SharedLogins.using: a login held by nobody stays open to the end; a held one never asked for opens nothing", async () => {
  const { calls, logins } = countedLogins();
  await logins.login(planOf("kept"));
  await logins.using([planOf("idle")], () => Promise.resolve());
  assert.deepEqual(calls, ["open kept"]);
  await logins.closeAll();
  assert.deepEqual(calls, ["open kept", "close kept"]);
});

Deno.test("SharedLogins.using: a login that fails again is the error, closed once; the next try logs in anew", async () => {
  const { calls, logins } = countedLogins((h, nth) => h === "db" && nth === 2);
  const db = planOf("db");
  await logins.using([db], () => logins.login(db));
  const again = await logins.using([db], () => logins.login(db));
  assert.ok(again instanceof Error && again.message === "refused db");
  const third = await logins.using([db], () => logins.login(db));
  assert.ok(!(third instanceof Error));
  assert.deepEqual(calls, [
    "open db",
    "close db",
    "open db",
    "close db",
    "open db",
    "close db",
  ]);
});

Deno.test("SharedLogins.using: with N holders at a time, at most N logins are open", async () => {
  const { logins, most, open } = countedLogins();
  const hosts = Array.from({ length: 12 }, (_, i) => planOf(`h${i}`));
  const running = new Set<Promise<unknown>>();
  for (const p of hosts) {
    if (running.size === 3) await Promise.race(running);
    const job: Promise<unknown> = logins.using([p], async () => {
      await logins.login(p);
      await new Promise((r) => setTimeout(r, 1));
    }).finally(() => running.delete(job));
    running.add(job);
  }
  await logins.closeAll();
  assert.equal(most(), 3);
  assert.equal(open(), 0);
});
