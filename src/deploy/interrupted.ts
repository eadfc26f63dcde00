/**
 * What an interrupted run says before it exits: every profile as it stands,
 * and for each one whose host is mid-activation, that the host decides by
 * itself and by when. The host's worker goes on without the deployer: with
 * magic rollback it rolls back when its window closes unconfirmed.
 */
import type { ProfilePlan } from "../config/plan.ts";
import type { ProfileResult } from "../shared/events.ts";
import type { ProfilePhase } from "../shared/vocabulary.ts";

/** Where a profile stood when the run was interrupted (as its phase events said). */
export interface LivePhase {
  phase: ProfilePhase;
  /** When the host's confirmation window was seen opening (ms since the epoch). */
  windowSince?: number;
}

/** `23:01:24`, the deployer's local time. */
function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString("en-GB", { hour12: false });
}

/** One unfinished profile's result when the run is interrupted at `now`. */
export function interruptedResult(p: ProfilePlan, live: LivePhase | undefined, now: number) {
  const base = { node: p.node, profile: p.profile, ok: false } as const;
  const s = p.settings;
  switch (live?.phase) {
    case "activating":
    case "confirming": {
      if (!s.magicRollback) {
        return {
          ...base,
          status: "failed",
          hostLeft: "deciding",
          message: "interrupted during activation: the host finishes it by itself " +
            "(no magic rollback: what it activates stays)",
        } satisfies ProfileResult;
      }
      const at = live.windowSince !== undefined
        ? `at ${clock(live.windowSince + s.confirmTimeout * 1000)}`
        : `by ${clock(now + (s.activationTimeout + s.confirmTimeout) * 1000)} at the latest`;
      return {
        ...base,
        status: "failed",
        hostLeft: "deciding",
        message: `interrupted: the host rolls back by itself ${at} unless confirmed`,
      } satisfies ProfileResult;
    }
    case "revoking":
      return {
        ...base,
        status: "failed",
        hostLeft: "deciding",
        message: "interrupted while revoking: the host finishes the revoke by itself",
      } satisfies ProfileResult;
    default:
      return {
        ...base,
        status: "skipped",
        message: "not started: interrupted",
      } satisfies ProfileResult;
  }
}

/** Every profile of the plan, in plan order: its result if it has one, else how it was left. */
export function interruptedResults(
  plan: readonly ProfilePlan[],
  finished: (p: ProfilePlan) => ProfileResult | undefined,
  live: (p: ProfilePlan) => LivePhase | undefined,
  now: number,
): ProfileResult[] {
  return plan.map((p) => finished(p) ?? interruptedResult(p, live(p), now));
}
