import assert from "node:assert/strict";
import {
  finalPhase,
  helperSucceeded,
  isSuccess,
  OUTCOMES,
  PROFILE_STATUSES,
  statusOf,
} from "./vocabulary.ts";

Deno.test("statusOf: only outcomes that are what they say pass through; the rest failed", () => {
  for (
    const o of [
      "confirmed",
      "activated",
      "dry-activated",
      "activated-for-boot",
      "rolled-back",
    ] as const
  ) {
    assert.equal(statusOf(o), o);
  }
  for (const o of ["failed", "refused", "revoked", "lost"] as const) {
    assert.equal(statusOf(o), "failed");
  }
});

Deno.test("one success rule: a profile succeeded when its new generation is in place", () => {
  assert.deepEqual(PROFILE_STATUSES.filter(isSuccess), [
    "confirmed",
    "activated",
    "dry-activated",
    "activated-for-boot",
  ]);
  // A helper command also succeeded when it was a revoke, and it was done.
  assert.deepEqual(OUTCOMES.filter(helperSucceeded), [
    "confirmed",
    "activated",
    "dry-activated",
    "activated-for-boot",
    "revoked",
  ]);
  assert.equal(isSuccess("lost"), false);
});

Deno.test("finalPhase: a profile in place is done; the others end as what happened", () => {
  assert.deepEqual(
    Object.fromEntries(PROFILE_STATUSES.map((s) => [s, finalPhase(s)])),
    {
      confirmed: "done",
      activated: "done",
      "dry-activated": "done",
      "activated-for-boot": "done",
      "rolled-back": "rolled-back",
      revoked: "revoked",
      failed: "failed",
      skipped: "skipped",
    },
  );
});
