/**
 * What the helper tells the deployer: one JSON object per line on stdout.
 * Everything, the activation's own output included, is wrapped in an event,
 * so nothing an activation script prints can pass for an event.
 */
import type { Outcome, RunPhase } from "../shared/vocabulary.ts";
import { DeployError, type ErrorContext } from "../shared/errors.ts";
import { isRunToken } from "./offer.ts";

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

/**
 * The first event of `activate` and `revoke`: the run's directory, as the
 * deployer reads it from either. Which command printed it says whether it
 * has a token: ActivateRunEvent, RevokeRunEvent.
 */
export interface RunEvent {
  type: "run";
  runDir: string;
  token?: string;
}
/** The first event of `activate`: the run's directory, and the token that confirms the run. */
export interface ActivateRunEvent extends RunEvent {
  token: string;
}
/** The first event of `revoke`: the run's directory; a revoke is never confirmed, so no token. */
export interface RevokeRunEvent extends RunEvent {
  token?: never;
}

export type HelperEvent =
  | RunEvent
  | { type: "phase"; phase: RunPhase; status: RunStatus }
  | { type: "log"; line: string }
  | { type: "outcome"; outcome: Outcome; ok: boolean; message: string; status: RunStatus };

export function encodeEvent(event: HelperEvent): string {
  return `${JSON.stringify(event)}\n`;
}

/**
 * The run event of an `activate`, checked: without a token of the helper's
 * shape nothing could confirm the run (it would roll back when its window
 * closes), so the deployer refuses it at once, naming node and profile.
 */
export function activateRunEvent(event: RunEvent, context: ErrorContext): ActivateRunEvent {
  const { token } = event;
  if (token === undefined || !isRunToken(token)) {
    throw new DeployError(
      `the helper on the host started the activation without a token to confirm it (${
        JSON.stringify(event).slice(0, 200)
      })`,
      context,
    );
  }
  return { ...event, token };
}

// The offer moved to offer.ts; named here still for callers not yet moved there.
export { DECLINE_PREFIX, OFFER_LINE_TAG, OFFERED_TOKEN_FILE, offerTokenArgv } from "./offer.ts";
