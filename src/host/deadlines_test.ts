import assert from "node:assert/strict";
import { checkHealthLimitMs, FOLLOW_MARGIN_SECONDS, followLimitMs } from "./deadlines.ts";

Deno.test("followLimitMs: the window, the rollback's limit and a margin", () => {
  assert.equal(
    followLimitMs({ confirmTimeout: 8, healthTimeout: 3 }),
    (11 + FOLLOW_MARGIN_SECONDS) * 1000,
  );
  assert.equal(
    followLimitMs({ confirmTimeout: 8, healthTimeout: 3, activationTimeout: 60 }),
    (71 + FOLLOW_MARGIN_SECONDS) * 1000,
  );
});

Deno.test("followLimitMs: never beyond what a timer holds", () => {
  assert.equal(followLimitMs({ confirmTimeout: 2 ** 40, healthTimeout: 0 }), 2 ** 31 - 1);
});

Deno.test("checkHealthLimitMs: healthTimeout per check (at least one), and a margin for the login", () => {
  const plan = { settings: { healthTimeout: 7 } };
  assert.equal(checkHealthLimitMs(plan, { a: ["true"], b: ["true"] }), (7 * 2 + 15) * 1000);
  assert.equal(checkHealthLimitMs(plan, {}), (7 + 15) * 1000);
});
