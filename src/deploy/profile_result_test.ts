import assert from "node:assert/strict";
import { failedResult, resultOf } from "./profile_result.ts";
import type { ProfilePlan } from "../config/plan.ts";

const plan = { node: "web", profile: "system" } as ProfilePlan;

Deno.test("resultOf: a rolled-back run is a failed profile that says so, with its generations", () => {
  const r = resultOf(
    plan,
    {
      outcome: "rolled-back",
      message: "activation failed; rolled back to generation 3",
      runDir: "/run/x",
      previousGeneration: 3,
      newGeneration: 4,
    } as Parameters<typeof resultOf>[1],
  );
  assert.equal(r.ok, false);
  assert.equal(r.status, "rolled-back");
  assert.deepEqual([r.node, r.profile, r.previousGeneration, r.newGeneration], [
    "web",
    "system",
    3,
    4,
  ]);
  assert.equal("failedCheck" in r, false);
});

Deno.test("resultOf: a confirmed run is ok", () => {
  const r = resultOf(plan, { outcome: "confirmed", message: "" } as Parameters<typeof resultOf>[1]);
  assert.equal(r.ok, true);
});

Deno.test("failedResult: the profile failed with the error's message", () => {
  assert.deepEqual(failedResult(plan, new Error("cannot log in")), {
    node: "web",
    profile: "system",
    status: "failed",
    ok: false,
    message: "cannot log in",
  });
});

Deno.test("resultOf: where a failed run left its host", () => {
  const of = (outcome: string, newGeneration?: number | null, runDir?: string) =>
    resultOf(
      plan,
      { outcome, message: "", newGeneration, runDir } as Parameters<typeof resultOf>[1],
    )
      .hostLeft;
  assert.equal(of("lost", undefined, "/run/x"), "deciding");
  // The helper never started (sudo refused it): nothing changed.
  assert.equal(of("lost"), undefined);
  // autoRollback off, or the rollback failed: the new generation stays.
  assert.equal(of("failed", 4), "new-generation");
  // Failed before a generation was set (the lock was held, the closure missing).
  assert.equal(of("failed", null), undefined);
  assert.equal(of("rolled-back", 4), undefined);
  assert.equal(of("refused"), undefined);
});
