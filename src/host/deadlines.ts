/**
 * How long the deployer waits on a host before it gives up. The host
 * decides by itself (it rolls back when its window closes, and bounds each
 * check by healthTimeout), so the deployer needs its answer only to report
 * it: past what the host itself allows, and a margin for the connection, it
 * stops waiting rather than hang.
 */

/** Margin for the host's rollback and for the outcome to cross the connection. */
export const FOLLOW_MARGIN_SECONDS = 30;

/**
 * How long the deployer follows a run once the host's window opened: the
 * window, a rollback (bounded by activationTimeout when set) and a margin,
 * after which the profile is reported as lost.
 */
export function followLimitMs(s: {
  confirmTimeout: number;
  healthTimeout: number;
  activationTimeout?: number;
}): number {
  const seconds = s.confirmTimeout + s.healthTimeout + (s.activationTimeout ?? 0) +
    FOLLOW_MARGIN_SECONDS;
  // At most what a timer holds: a longer one would fire at once.
  return Math.min(seconds * 1000, 2 ** 31 - 1);
}

/**
 * How long `deploy check` waits for the host's answer: each check is bounded
 * by healthTimeout there, so a host (or a session) that says nothing past
 * that, with a margin for the login, is given up on.
 */
export function checkHealthLimitMs(
  plan: { settings: { healthTimeout: number } },
  checks: Record<string, string[]>,
): number {
  return (plan.settings.healthTimeout * Math.max(1, Object.keys(checks).length) + 15) * 1000;
}
