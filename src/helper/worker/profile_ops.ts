/**
 * What the detached worker does to the host, as one port. The worker's
 * policy (worker.ts, activate.ts, revoke.ts: fail closed, the README's
 * fault table) decides only through a `ProfileOps`; `hostProfileOps`
 * (host_profile_ops.ts) does the work over the generations, pending, lock,
 * record, roll-back and run-directory modules, and the policy's unit tests
 * drive a fake.
 *
 * Each operation is one side effect the policy sequences: which one failed,
 * and whether the profile had switched by then, decides the outcome.
 */
import type { ActivationGoal } from "../../shared/vocabulary.ts";
import type { HealthVerdict } from "../../shared/health_checks.ts";
import type { UploadAt } from "../../shared/secrets.ts";
import type { RunStatus } from "../../wire/protocol.ts";
import type { PendingRun } from "../pending.ts";
import type { ActivationRecord } from "../record.ts";
import type { EntryResult, RollBack } from "../roll_back.ts";

/** How a confirmation window ended: only "confirmed" keeps the new generation. */
export type Confirmation =
  | "confirmed"
  | "expired"
  | "vanished"
  | { error: string }
  | { declined: string };

/** What the profile is switched to: a new generation of a closure, or an existing generation. */
export type ProfileTarget = { closure: string } | { generation: number };

/** The profile's lock, once taken; or who holds it, said for people. */
export type LockAttempt = { release(): void } | { heldBy: string };

/** The limits of one round of host checks; `windowEnd` is on performance.now()'s clock. */
export interface CheckLimits {
  timeoutMs: number;
  intervalMs: number;
  windowEnd?: number;
}

export interface ProfileOps {
  /** A line in the run's log; never throws (the log may be on a full disk). */
  say(message: string): void;

  // The profile's lock and what comes with holding it.
  /** Take the profile's lock, without waiting. */
  lock(): Promise<LockAttempt>;
  /** Roll back an earlier run of the profile whose worker died (recover.ts); under the lock. */
  recoverUnfinished(): Promise<void>;
  /** After the outcome: the canary gone, old run directories cleaned; never throws. */
  cleanUp(): void;

  // What the run leaves behind.
  writeStatus(status: RunStatus): void;
  appendRecord(record: ActivationRecord): void;
  /** The durable mark (pending.ts), written before the profile changes. */
  markPending(run: PendingRun): void;
  /** The outcome is final: nothing for a later helper run to recover. */
  clearPending(): void;

  // The profile itself.
  currentGeneration(): number | undefined;
  listGenerations(): number[];
  /** `nix-env --set CLOSURE` or `--switch-generation N`. */
  switchProfile(to: ProfileTarget): Promise<void>;
  hasActivationEntry(closure: string, goal: ActivationGoal): boolean;
  /** The closure's entry switches now and sets the boot default once told (lib.activate.nixos). */
  defersBootDefault(closure: string): boolean;
  /** Run the activation entry of the profile or closure at `dir`, killed after `timeout` seconds. */
  runEntry(
    dir: string,
    goal: ActivationGoal,
    timeout: number | undefined,
    env?: Record<string, string>,
  ): Promise<EntryResult>;
  /** The host's checks, name → argv, retried until all passed or the limit. */
  checkHealth(checks: Record<string, string[]>, limits: CheckLimits): Promise<HealthVerdict>;
  /** Create the canary and wait at most `timeoutMs` for the token to take it. */
  awaitConfirmation(timeoutMs: number): Promise<Confirmation>;
  /** Put the profile back as `undo` says (roll_back.ts). */
  rollBack(undo: RollBack): Promise<{ ok: boolean; message: string }>;

  // The run's secrets (src/helper/secrets/run_secrets.ts).
  /** Whether the run has secrets to write at `uploadAt`. */
  hasSecrets(uploadAt: UploadAt): boolean;
  /** Write them, keeping what each replaces; throws naming the secret (an unknown owner first). */
  writeSecrets(uploadAt: UploadAt): void;
  /**
   * Put back what the run's secrets (or those of the kept run `ofRun`, for a
   * revoke) replaced; the outcome's words ("" for none); throws when one cannot be.
   */
  restoreSecrets(ofRun?: string): string;
  /** The run directory of the run that made `generation` and kept it (the host's records). */
  runOfGeneration(generation: number): string | undefined;
}
