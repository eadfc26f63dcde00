/** A profile's row in a run's summary, from how its helper run ended or why it could not run. */
import type { ProfilePlan } from "../config/plan.ts";
import type { ProfileResult } from "../shared/events.ts";
import type { HelperOutcome } from "../host/host.ts";
import { isSuccess, statusOf } from "../shared/vocabulary.ts";

/** A profile's result from how its helper run ended. */
export function resultOf(p: ProfilePlan, r: HelperOutcome): ProfileResult {
  const status = statusOf(r.outcome);
  return {
    node: p.node,
    profile: p.profile,
    status,
    ok: isSuccess(status),
    message: r.message,
    runDir: r.runDir,
    previousGeneration: r.previousGeneration,
    newGeneration: r.newGeneration,
    ...(r.failedCheck ? { failedCheck: r.failedCheck } : {}),
    ...hostLeft(r),
  };
}

/**
 * Where a failed run left its host when that is not back where it was: the
 * host never said how a started run ended (its worker decides, and rolls
 * back unless confirmed), or it failed after a new generation was set (autoRollback off,
 * or the rollback itself failed): when unsure, the host changed.
 */
function hostLeft(r: HelperOutcome): Pick<ProfileResult, "hostLeft"> {
  // Lost before the helper had a run directory: it never started, nothing changed.
  if (r.outcome === "lost" && r.runDir !== undefined) return { hostLeft: "deciding" };
  if (r.outcome === "failed" && r.newGeneration != null) return { hostLeft: "new-generation" };
  return {};
}

/** A profile whose helper run could not start or end (no login, no helper, a refused request). */
export function failedResult(p: ProfilePlan, e: Error): ProfileResult {
  return { node: p.node, profile: p.profile, status: "failed", ok: false, message: e.message };
}
