import assert from "node:assert/strict";
import { rollbackTarget } from "./rollback.ts";

Deno.test("rollback target: the newest generation before the active one", () => {
  assert.equal(rollbackTarget([1, 2, 5, 7], 7), 5);
  assert.equal(rollbackTarget([1, 2, 5, 7], 5), 2);
  // After a rollback to 2, rolling back again goes to 1, not forward.
  assert.equal(rollbackTarget([1, 2, 5, 7], 2), 1);
});

Deno.test("rollback target: --to any existing generation other than the active one", () => {
  assert.equal(rollbackTarget([1, 2, 3], 1, 3), 3);
  assert.throws(
    () => rollbackTarget([1, 2, 3], 3, 9),
    /there is no generation 9 \(generations: 1, 2, 3\)/,
  );
  assert.throws(() => rollbackTarget([1, 2, 3], 3, 3), /generation 3 is already active/);
});

Deno.test("rollback target: nothing to go back to", () => {
  assert.throws(() => rollbackTarget([4], 4), /generation 4 is the oldest/);
  assert.throws(() => rollbackTarget([], null), /does not exist on the host/);
});
