/**
 * The ground floor: words that every layer shares, from the command line to
 * the worker on the host. Each is an `as const` list, so code can iterate it
 * and types derive from it.
 */

/** What an activation is for: switch now, set for the next boot, or only show what would change. */
export const ACTIVATION_GOALS = ["switch", "boot", "dry-activate"] as const;
export type ActivationGoal = (typeof ACTIVATION_GOALS)[number];

/**
 * The longest timeout, in seconds, that any layer accepts: timers hold at most
 * 2^31-1 ms, and a longer one would fire at once.
 */
export const MAX_TIMEOUT_SECONDS = 2147483;

/**
 * The endings that mean the new generation is in place (or a dry activation
 * passed): the one success rule, shared by the helper's outcomes and the
 * deployer's profile statuses.
 */
export const IN_PLACE = ["confirmed", "activated", "dry-activated", "activated-for-boot"] as const;
export type InPlace = (typeof IN_PLACE)[number];

/** Where one activation run on a host stands, as its worker records it. */
export const RUN_PHASES = [
  "starting",
  "locking",
  "setting",
  "activating",
  "awaiting-confirmation",
  "rolling-back",
  "done",
] as const;
export type RunPhase = (typeof RUN_PHASES)[number];

/** How a helper command ended on the host. */
export const OUTCOMES = [...IN_PLACE, "rolled-back", "failed", "refused", "revoked"] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** What the deployer learns of a helper command: its outcome, or "lost" when the host never said. */
export type ReportedOutcome = Outcome | "lost";

/** How a profile ended, as the deployer reports it. */
export const PROFILE_STATUSES = [
  ...IN_PLACE,
  "rolled-back",
  "revoked",
  "failed",
  "skipped",
] as const;
export type ProfileStatus = (typeof PROFILE_STATUSES)[number];

/** The phases a profile ends in. */
export const FINAL_PHASES = ["done", "rolled-back", "failed", "skipped", "revoked"] as const;
export type FinalPhase = (typeof FINAL_PHASES)[number];

/**
 * Where one profile stands during a deployment. `waiting`: built, and held
 * back by the run itself (a --jobs slot, the profile before it in
 * profilesOrder, the wave before), its message saying for what.
 */
export const PROFILE_PHASES = [
  "queued",
  "building",
  "waiting",
  "connecting",
  "copying",
  "activating",
  "confirming",
  "revoking",
  ...FINAL_PHASES,
] as const;
export type ProfilePhase = (typeof PROFILE_PHASES)[number];

/** What a deployment reports as a phase: the run's own steps before any profile, then the profiles'. */
export const EVENT_PHASES = ["checking", "evaluating", ...PROFILE_PHASES] as const;
export type EventPhase = (typeof EVENT_PHASES)[number];

/** Where a log line of a deployment comes from. */
export const LOG_SOURCES = ["nix", "ssh", "host", "health"] as const;
export type LogSource = (typeof LOG_SOURCES)[number];

/** True when the new generation is in place (or a dry activation passed). */
export function isSuccess(ending: ReportedOutcome | ProfileStatus): ending is InPlace {
  return (IN_PLACE as readonly string[]).includes(ending);
}

/**
 * Whether a helper command did what it was asked, which sets its exit code:
 * an activation in place, or a revoke done.
 */
export function helperSucceeded(outcome: Outcome): boolean {
  return isSuccess(outcome) || outcome === "revoked";
}

/**
 * How a profile ended, from the outcome of its activation: an outcome that
 * says what happened to the profile passes through; anything else (refused,
 * revoked by someone else, lost) is a failure.
 */
export function statusOf(outcome: ReportedOutcome): ProfileStatus {
  return isSuccess(outcome) || outcome === "rolled-back" ? outcome : "failed";
}

/** The phase a profile ends in, from how it ended. */
export function finalPhase(status: ProfileStatus): FinalPhase {
  if (isSuccess(status)) return "done";
  return status === "rolled-back" || status === "skipped" || status === "revoked"
    ? status
    : "failed";
}
