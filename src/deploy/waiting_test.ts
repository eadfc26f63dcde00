import assert from "node:assert/strict";
import { planOf } from "../config/plan_testing.ts";
import { waitsBeforeWave } from "./waiting.ts";

Deno.test("waitsBeforeWave: nodes past --jobs wait for a slot, later waves for this one", () => {
  const waves = [
    [planOf("a"), planOf("b"), planOf("b", { profile: "app" }), planOf("c")],
    [planOf("d", { wave: 2 })],
  ];
  const said = waitsBeforeWave(waves, 0, 1).map(({ plan, why }) =>
    `${plan.node}.${plan.profile} ${why}`
  );
  assert.deepEqual(said, [
    "b.system for a --jobs slot (1 at once)",
    "b.app for a --jobs slot (1 at once)",
    "c.system for a --jobs slot (1 at once)",
    "d.system for wave 0",
  ]);
  assert.deepEqual(waitsBeforeWave(waves, 1, 8), []);
});
