/**
 * One worker run's state and the rules every path ends by: the run's
 * status, how to undo the switch once the profile may have changed, and
 * the three ways an outcome becomes final (`finish`; `keep` the new
 * generation; `failAfterSwitch`, the one "failed after the switch" rule).
 *
 * Writing the run's status is best effort once the profile may have
 * changed (a full disk must not stop a rollback); the record beside the
 * profile and the durable pending mark carry the outcome when the status
 * cannot.
 */
import { pid } from "../host_os.ts";
import { helperSucceeded } from "../../shared/vocabulary.ts";
import type { Outcome, RunStatus } from "../../wire/protocol.ts";
import type { RollBack } from "../roll_back.ts";
import type { Job } from "../run_dir.ts";
import type { ProfileOps } from "./profile_ops.ts";

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class WorkerRun {
  status: RunStatus;
  /** Set once the profile may have changed: how to put it back. */
  undo?: RollBack;
  /** The first failed status write, named in the outcome. */
  statusError?: string;

  constructor(readonly ops: ProfileOps, readonly job: Job, readonly runDir: string) {
    const now = Date.now();
    this.status = {
      phase: "locking",
      pid,
      profilePath: job.profilePath,
      closure: job.kind === "activate" ? job.closure : "",
      startedAt: now,
      updatedAt: now,
    };
  }

  say = (message: string): void => this.ops.say(message);

  update(patch: Partial<RunStatus>): void {
    this.status = { ...this.status, ...patch, updatedAt: Date.now() };
    try {
      this.ops.writeStatus(this.status);
    } catch (e) {
      // Before the switch, failing is safe; after it, the rollback matters more.
      if (!this.undo) throw e;
      this.statusError ??= errorText(e);
    }
  }

  /** Say, record (unless `record` is false) and write the outcome; the exit code. */
  finish(outcome: Outcome, message: string, record = true): number {
    const active = this.ops.currentGeneration() ?? null;
    const full = this.statusError && !helperSucceeded(outcome)
      ? `${message} (the run's status could not be written: ${this.statusError})`
      : message;
    this.say(full);
    if (record) {
      try {
        this.ops.appendRecord({
          time: new Date().toISOString(),
          profilePath: this.job.profilePath,
          closure: this.status.closure,
          deployer: this.job.deployer,
          outcome,
          message: full,
          previousGeneration: this.status.previousGeneration ?? null,
          newGeneration: this.status.newGeneration ?? null,
          activeGeneration: active,
          runDir: this.runDir,
        });
      } catch (e) {
        this.say(`recording the outcome failed: ${errorText(e)}`);
      }
    }
    try {
      this.update({ phase: "done", outcome, message: full, activeGeneration: active });
    } catch (e) {
      this.say(`writing the run's status failed: ${errorText(e)}`);
    }
    return helperSucceeded(outcome) ? 0 : 1;
  }

  /** Roll back what `undo` says, then clear the pending mark: the outcome is final. */
  async rollBack(): Promise<{ ok: boolean; message: string }> {
    this.update({ phase: "rolling-back" });
    // The secrets first: the previous generation's activation finds its own.
    const secrets = this.restoreSecrets();
    const back = await this.ops.rollBack(this.undo!);
    this.ops.clearPending();
    return secrets ? { ...back, message: `${back.message}; ${secrets}` } : back;
  }

  /** Put back what the run's secrets replaced; what to say of it ("" when none were written). */
  restoreSecrets(ofRun?: string): string {
    try {
      return this.ops.restoreSecrets(ofRun);
    } catch (e) {
      return errorText(e);
    }
  }

  /**
   * A failure before the switch (or a switch that changed nothing): the
   * secrets written so far go back, then the outcome is final.
   */
  failBeforeSwitch(why: string): number {
    const secrets = this.restoreSecrets();
    this.keep();
    return this.finish("failed", secrets ? `${why}; ${secrets}` : why);
  }

  /** The outcome is final with the new generation in place: nothing to undo any more. */
  keep(): void {
    this.ops.clearPending();
    this.undo = undefined;
  }

  /**
   * The one rule for a failure once the profile may have changed: roll back
   * (fail closed). Only where the README lets autoRollback keep a failed
   * generation (the entry, or the host checks without magic rollback) does
   * the caller pass `autoRollback`; when it is off, the new generation stays
   * and the outcome is "failed". A rollback that throws leaves the pending
   * mark in place, so the next helper run on the profile tries again.
   */
  async failAfterSwitch(why: string, autoRollback = true): Promise<number> {
    if (!autoRollback) {
      const active = this.status.newGeneration ?? undefined;
      this.keep();
      return this.finish(
        "failed",
        `${why}; autoRollback is off, so generation ${active} stays active`,
      );
    }
    let back;
    try {
      back = await this.rollBack();
    } catch (again) {
      return this.finish(
        "failed",
        `${why}; rolling back failed too: ${
          errorText(again)
        }; the next helper run on this profile tries again`,
      );
    }
    return this.finish("rolled-back", `${why}; ${back.message}`);
  }
}
