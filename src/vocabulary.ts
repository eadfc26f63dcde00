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
