/**
 * What the deployer's exit code tells a script or CI about the fleet, one
 * code per situation a caller must treat differently: whether anything
 * failed, and if so whether every host is back where it was. The table is
 * printed by `deploy --help` and copied in the README.
 */
import type { ProfileResult } from "./events.ts";

export const EXIT_CODES = {
  /** Every selected profile is in place (for status, diff, check: every profile looked fine). */
  ok: 0,
  /** Something failed, and every host is back where it was (or was never changed). */
  failedUnchanged: 1,
  /** The command line or the configuration is wrong; no host was contacted. */
  badInput: 2,
  /** Something failed, and some host is left on a new generation, or decides by itself. */
  failedChanged: 3,
  /** Answered "no" at `-i`; nothing was changed. */
  cancelled: 4,
  /** A bug in deploy-ts (the message says where). */
  internal: 70,
  /** Interrupted (SIGINT; 143 for SIGTERM); hosts mid-activation roll back by themselves. */
  interrupted: 130,
} as const;

/** The table as `--help` and the README show it. */
export const EXIT_CODE_TABLE: readonly [number, string][] = [
  [EXIT_CODES.ok, "every selected profile deployed (status, diff, check: nothing wrong found)"],
  [EXIT_CODES.failedUnchanged, "failed; every host is back where it was, or was never changed"],
  [EXIT_CODES.badInput, "wrong command line or configuration; no host was contacted"],
  [
    EXIT_CODES.failedChanged,
    "failed; some host is on a new generation, or will roll back by itself",
  ],
  [EXIT_CODES.cancelled, "cancelled at the -i prompt; nothing was changed"],
  [EXIT_CODES.internal, "internal error (a bug in deploy-ts)"],
  [
    EXIT_CODES.interrupted,
    "interrupted (143: terminated); hosts mid-activation roll back by themselves",
  ],
];

/**
 * A deployment's (or rollback's) exit code from its results. A profile in
 * place counts as a changed host once anything failed (unless it only did
 * a dry activation); so does one whose host was left to decide (contact
 * lost after the switch) or whose revoke failed.
 */
export function deploymentExitCode(results: readonly ProfileResult[]): number {
  if (results.every((r) => r.ok)) return EXIT_CODES.ok;
  const changed = results.some((r) =>
    (r.ok && r.status !== "dry-activated") || r.hostLeft !== undefined
  );
  return changed ? EXIT_CODES.failedChanged : EXIT_CODES.failedUnchanged;
}
