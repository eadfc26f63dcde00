import assert from "node:assert/strict";
import { KeyedQueue } from "./keyed_queue.ts";

/** A task that records when it starts and ends, and finishes when told. */
function gate(log: string[], name: string) {
  let open!: () => void;
  const done = new Promise<void>((r) => open = r);
  return {
    open: () => open(),
    task: async () => {
      log.push(`${name} start`);
      await done;
      log.push(`${name} end`);
      return name;
    },
  };
}

Deno.test("keyed queue: tasks of one key never overlap and keep their order; other keys run alongside", async () => {
  const q = new KeyedQueue();
  const log: string[] = [];
  const a1 = gate(log, "a1"), a2 = gate(log, "a2"), b1 = gate(log, "b1");
  const r1 = q.run("h1", a1.task);
  const r2 = q.run("h1", a2.task);
  const r3 = q.run("h2", b1.task);
  await Promise.resolve();
  await Promise.resolve();
  assert.deepEqual(log, ["a1 start", "b1 start"], "a2 waits for a1; b1 does not");
  a2.open();
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(log, ["a1 start", "b1 start"], "a2 still waits, though it could finish");
  a1.open();
  b1.open();
  assert.deepEqual(await Promise.all([r1, r2, r3]), ["a1", "a2", "b1"]);
  assert.ok(log.indexOf("a1 end") < log.indexOf("a2 start"));
});

Deno.test("keyed queue: a failed task does not stop the next one of its key, and its error reaches its caller", async () => {
  const q = new KeyedQueue();
  const failed = q.run("h1", () => Promise.reject(new Error("copy failed")));
  const next = q.run("h1", () => Promise.resolve("copied"));
  await assert.rejects(failed, /copy failed/);
  assert.equal(await next, "copied");
});
