import assert from "node:assert/strict";
import { planOf } from "../config/plan_testing.ts";
import { interruptedResults } from "./interrupted.ts";

const at = Date.UTC(2026, 11, 3, 12, 0, 0);

Deno.test("interrupted: a host in its window rolls back when the window closes; one activating, by window + activation at the latest", () => {
  const inWindow = planOf("a");
  const activating = planOf("b");
  const queued = planOf("c");
  const done = planOf("d");
  const rows = interruptedResults(
    [inWindow, activating, queued, done],
    (p) =>
      p === done
        ? { node: "d", profile: "system", status: "confirmed", ok: true, message: "confirmed" }
        : undefined,
    (p) =>
      p === inWindow
        ? { phase: "confirming", windowSince: at - 5000 }
        : p === activating
        ? { phase: "activating" }
        : { phase: "waiting" },
    at,
  );
  const window = new Date(at - 5000 + inWindow.settings.confirmTimeout * 1000)
    .toLocaleTimeString("en-GB", { hour12: false });
  assert.equal(
    rows[0].message,
    `interrupted: the host rolls back by itself at ${window} unless confirmed`,
  );
  assert.equal(rows[0].hostLeft, "deciding");
  assert.match(
    rows[1].message,
    /rolls back by itself by \d\d:\d\d:\d\d at the latest unless confirmed/,
  );
  assert.deepEqual([rows[2].status, rows[2].message], ["skipped", "not started: interrupted"]);
  assert.equal(rows[3].status, "confirmed");
});

Deno.test("interrupted: without magic rollback the host keeps what its activation ends with", () => {
  const plain = planOf("a");
  const p = { ...plain, settings: { ...plain.settings, magicRollback: false } };
  const [row] = interruptedResults([p], () => undefined, () => ({ phase: "activating" }), at);
  assert.match(row.message, /no magic rollback/);
  assert.equal(row.hostLeft, "deciding");
});

Deno.test("interrupted: a profile being revoked is left to its host, which finishes the revoke", () => {
  const [row] = interruptedResults(
    [planOf("a")],
    () => undefined,
    () => ({ phase: "revoking" }),
    at,
  );
  assert.equal(row.status, "failed");
  assert.equal(row.hostLeft, "deciding");
  assert.match(row.message, /finishes the revoke by itself/);
});
