/**
 * How long the deployer follows a run once the host's window opened. The
 * host decides by itself (it rolls back when the window closes), so the
 * deployer needs its outcome only to report it: past the window, a rollback
 * (bounded by activationTimeout when set) and a margin for the connection,
 * it stops waiting and reports the profile as lost rather than hang.
 */

/** Margin for the host's rollback and for the outcome to cross the connection. */
export const FOLLOW_MARGIN_SECONDS = 30;

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
