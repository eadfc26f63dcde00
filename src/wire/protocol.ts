/**
 * What the helper tells the deployer: one JSON object per line on stdout.
 * Everything, the activation's own output included, is wrapped in an event,
 * so nothing an activation script prints can pass for an event.
 */
import type { Outcome, RunPhase } from "../shared/vocabulary.ts";

export type { Outcome, RunPhase } from "../shared/vocabulary.ts";

/** The state of one activation run, as the worker records it in its run directory. */
export interface RunStatus {
  phase: RunPhase;
  outcome?: Outcome;
  message?: string;
  pid: number;
  profilePath: string;
  closure: string;
  previousGeneration?: number | null;
  newGeneration?: number | null;
  /**
   * `newGeneration` when this run created it; null when `nix-env --set` reused
   * an existing generation (which a revoke must then leave in place).
   */
  createdGeneration?: number | null;
  /** The generation active when the outcome became final. */
  activeGeneration?: number | null;
  /** Epoch milliseconds. */
  startedAt: number;
  updatedAt: number;
  /** When a pending confirmation runs out (epoch ms). */
  confirmDeadline?: number;
  /** The host-side health check that kept failing, with its last output. */
  failedCheck?: { name: string; output: string };
}

export type HelperEvent =
  /** First event of `activate`: the run's directory, and the token that confirms it. */
  | { type: "run"; runDir: string; token?: string }
  | { type: "phase"; phase: RunPhase; status: RunStatus }
  | { type: "log"; line: string }
  | { type: "outcome"; outcome: Outcome; ok: boolean; message: string; status: RunStatus };

export function encodeEvent(event: HelperEvent): string {
  return `${JSON.stringify(event)}\n`;
}

/**
 * The file in a run directory where a fresh connection offers the run's
 * token; the waiting worker checks it. The run directory is the profile
 * user's, mode 0700: nobody else can offer anything.
 */
export const OFFERED_TOKEN_FILE = "offered-token";

/**
 * Offered instead of the bare token when the deployer's own health checks
 * failed: `decline TOKEN REASON`, on one line. The worker then rolls back at
 * once instead of waiting for its window to close. Only the token's holder
 * can decline, and declining can only roll back.
 */
export const DECLINE_PREFIX = "decline ";

/**
 * Starts the offer's line on stdin; the offering shell writes only that
 * line (without the tag) and drops any other, such as a sudo password line
 * that no sudo took, so no such line ever reaches the run directory.
 */
export const OFFER_LINE_TAG = "deploy-ts-offer ";

/** The stdin of offerTokenArgv: the token, or `decline TOKEN REASON`, as one tagged line. */
export function offerLine(offer: string): string {
  return `${OFFER_LINE_TAG}${offer.replace(/[\r\n]+/g, " ")}\n`;
}

/**
 * The command a fresh connection runs, as the profile's user, to offer the
 * token (read from stdin) to the worker: a shell, not a second start of the
 * helper. It reads line by line (the shell's `read` takes one byte at a time
 * from a pipe, so it takes nothing meant for another reader) and writes the
 * tagged line alone, under another name and then renamed, so the worker
 * never reads half a token. `printf` is the shell's own: the token is on no
 * command line.
 */
export function offerTokenArgv(runDir: string): string[] {
  const file = `"$1/${OFFERED_TOKEN_FILE}`;
  return [
    "sh",
    "-c",
    `umask 077 && while IFS= read -r line; do case "$line" in "${OFFER_LINE_TAG}"*) ` +
    `printf '%s\\n' "\${line#${OFFER_LINE_TAG}}" > ${file}.new" && exec mv -f ${file}.new" ${file}"; esac; done; ` +
    `echo "deploy-ts: no offer on stdin" >&2; exit 2`,
    "deploy-ts-confirm",
    runDir,
  ];
}
