/**
 * The detached worker: the part of the helper that changes the profile. It
 * runs in its own session with its output in the run's log file, so a
 * dropped SSH connection neither kills a half-done switch nor loses its
 * outcome. It holds the profile's lock until the outcome is final.
 *
 * It fails closed: once the profile has switched, any error ends in a
 * rollback, and only a positive, token-checked confirmation keeps the new
 * generation. Writing the run's status is best effort from then on (a full
 * disk must not stop a rollback); the record beside the profile and the
 * durable pending mark (pending.ts) carry the outcome when the status
 * cannot.
 */
import { existsSync, watch } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { activationCommand } from "./activation_entry.ts";
import { currentGeneration, listGenerations, setProfile, switchGeneration } from "./generations.ts";
import { describeHolder, type ProfileLock, tryLockProfile } from "./lock.ts";
import { clearPending, writePending } from "./pending.ts";
import type { Outcome, RunStatus } from "../wire/protocol.ts";
import { helperSucceeded, MAX_TIMEOUT_SECONDS } from "../shared/vocabulary.ts";
import { appendRecord } from "./record.ts";
import { recoverUnderLock } from "./recover.ts";
import { activateEntry, type RollBack, rollBackProfile } from "./roll_back.ts";
import { type ActivationJob, type RevokeJob, RunDir } from "./run_dir.ts";
import { keepRecentRuns } from "./run_history.ts";
import { describeFailure, describeResult, untilHealthy } from "../shared/health_checks.ts";
import { runCommandCheck } from "./health.ts";

/** A file in a profile saying its entry defers the boot default (DEPLOY_TS_BOOT_AFTER_CONFIRM=1). */
export const BOOT_AFTER_CONFIRM_MARKER = "deploy-ts-boot-after-confirm";

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

class Worker {
  status: RunStatus;
  /** Set once the profile may have changed: how to put it back. */
  undo?: RollBack;
  /** The first failed status write, named in the outcome. */
  statusError?: string;

  constructor(readonly runDir: RunDir, readonly job: ActivationJob | RevokeJob) {
    const now = Date.now();
    this.status = {
      phase: "locking",
      pid: process.pid,
      profilePath: job.profilePath,
      closure: job.kind === "activate" ? job.closure : "",
      startedAt: now,
      updatedAt: now,
    };
  }

  say = (message: string): void => {
    try {
      process.stdout.write(`[deploy-ts] ${message}\n`);
    } catch {
      // The log is on a full or vanished disk; the outcome still gets recorded.
    }
  };

  update(patch: Partial<RunStatus>): void {
    this.status = { ...this.status, ...patch, updatedAt: Date.now() };
    try {
      this.runDir.writeStatus(this.status);
    } catch (e) {
      // Before the switch, failing is safe; after it, the rollback matters more.
      if (!this.undo) throw e;
      this.statusError ??= errorText(e);
    }
  }

  finish(outcome: Outcome, message: string, record = true): number {
    const active = currentGeneration(this.job.profilePath) ?? null;
    const full = this.statusError && !helperSucceeded(outcome)
      ? `${message} (the run's status could not be written: ${this.statusError})`
      : message;
    this.say(full);
    if (record) {
      try {
        appendRecord({
          time: new Date().toISOString(),
          profilePath: this.job.profilePath,
          closure: this.status.closure,
          deployer: this.job.deployer,
          outcome,
          message: full,
          previousGeneration: this.status.previousGeneration ?? null,
          newGeneration: this.status.newGeneration ?? null,
          activeGeneration: active,
          runDir: this.runDir.path,
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

  async lock(): Promise<ProfileLock | undefined> {
    this.update({ phase: "locking" });
    const result = await tryLockProfile(this.job.profilePath, {
      deployer: this.job.deployer,
      pid: process.pid,
      since: Date.now(),
      runDir: this.runDir.path,
    });
    if ("lock" in result) return result.lock;
    this.finish(
      "refused",
      `${this.job.profilePath} is being deployed by ${
        describeHolder(result.heldBy)
      }; nothing was changed`,
      false,
    );
    return undefined;
  }

  /** Roll back what `undo` says, then clear the pending mark: the outcome is final. */
  async rollBack(): Promise<{ ok: boolean; message: string }> {
    this.update({ phase: "rolling-back" });
    const back = await rollBackProfile(this.job.profilePath, this.undo!, this.say);
    clearPending(this.job.profilePath);
    return back;
  }

  /** The outcome is final with the new generation in place: nothing to undo any more. */
  keep(): void {
    clearPending(this.job.profilePath);
    this.undo = undefined;
  }

  async activate(job: ActivationJob): Promise<number> {
    const profile = job.profilePath;
    const previous = currentGeneration(profile);
    this.update({ phase: "setting", previousGeneration: previous ?? null });
    if (job.goal === "dry-activate") {
      this.update({ phase: "activating" });
      const dry = await activateEntry(
        job.closure,
        "dry-activate",
        job.activationTimeout,
        this.say,
      );
      return dry.ok
        ? this.finish("dry-activated", "dry activation succeeded; nothing was changed")
        : this.finish("failed", `dry activation failed: ${dry.message}; nothing was changed`);
    }
    if (!activationCommand(job.closure, job.goal, existsSync)) {
      return this.finish(
        "failed",
        `${job.closure} has no activation entry (deploy-ts-activate, deploy-rs-activate or bin/switch-to-configuration); nothing was changed`,
      );
    }
    const before = listGenerations(profile);
    if (job.generation !== undefined && !before.includes(job.generation)) {
      return this.finish(
        "failed",
        `${profile} has no generation ${job.generation}; nothing was changed`,
      );
    }
    // Durable before the profile changes: if this worker dies, the next helper run rolls back.
    writePending(profile, {
      runDir: this.runDir.path,
      pid: process.pid,
      deployer: job.deployer,
      closure: job.closure,
      previousGeneration: previous ?? null,
      before,
      boot: job.goal === "boot",
      activationTimeout: job.activationTimeout,
      since: Date.now(),
    });
    const createdSinceStart = () => listGenerations(profile).filter((g) => !before.includes(g));
    this.undo = {
      previous,
      remove: [],
      boot: job.goal === "boot",
      activationTimeout: job.activationTimeout,
    };
    try {
      if (job.generation !== undefined) {
        this.say(`switching ${profile} to generation ${job.generation}`);
        await switchGeneration(profile, job.generation);
      } else {
        this.say(`setting ${profile} to ${job.closure}`);
        await setProfile(profile, job.closure);
      }
    } catch (e) {
      this.undo.remove = createdSinceStart();
      if (this.undo.remove.length === 0 && currentGeneration(profile) === previous) {
        this.keep();
        return this.finish(
          "failed",
          `setting the profile failed: ${errorText(e)}; ${
            previous === undefined
              ? "the profile still does not exist"
              : `generation ${previous} is still active`
          }`,
        );
      }
      const back = await this.rollBack();
      return this.finish(
        "rolled-back",
        `setting the profile failed: ${errorText(e)}; ${back.message}`,
      );
    }
    const active = currentGeneration(profile);
    // Only generations this run created are deleted on rollback; `nix-env --set`
    // reuses the newest generation when it already points to the closure.
    this.undo.remove = createdSinceStart();
    this.update({
      phase: "activating",
      newGeneration: active ?? null,
      createdGeneration: active !== undefined && this.undo.remove.includes(active) ? active : null,
    });
    // A profile that can (lib.activate.nixos) switches now and becomes the boot
    // default only once confirmed: a reboot in the window boots the old system.
    const bootAfterConfirm = job.goal === "switch" && job.magicRollback &&
      existsSync(join(job.closure, BOOT_AFTER_CONFIRM_MARKER));
    const entry = await activateEntry(
      profile,
      job.goal,
      job.activationTimeout,
      this.say,
      bootAfterConfirm ? { DEPLOY_TS_BOOT_AFTER_CONFIRM: "1" } : {},
    );
    if (!entry.ok) {
      if (!job.autoRollback) {
        this.keep();
        return this.finish(
          "failed",
          `${entry.message}; autoRollback is off, so generation ${active} stays active`,
        );
      }
      const back = await this.rollBack();
      return this.finish("rolled-back", `${entry.message}; ${back.message}`);
    }
    if (job.goal === "boot") {
      this.keep();
      return this.finish("activated-for-boot", `generation ${active} is set for the next boot`);
    }
    if (!job.magicRollback) {
      const unhealthy = await this.hostChecks(job);
      if (unhealthy) {
        if (!job.autoRollback) {
          this.keep();
          return this.finish(
            "failed",
            `${unhealthy}; autoRollback is off, so generation ${active} stays active`,
          );
        }
        const back = await this.rollBack();
        return this.finish("rolled-back", `${unhealthy}; ${back.message}`);
      }
      this.keep();
      return this.finish("activated", `generation ${active} is active`);
    }

    // The window covers the health checks too: confirmTimeout for the new
    // login, plus healthTimeout for the checks that come before it.
    // (At most what a timer can hold: a longer one would fire at once.)
    const windowSeconds = Math.min(
      job.confirmTimeout + (job.healthTimeout ?? 0),
      MAX_TIMEOUT_SECONDS,
    );
    const deadline = Date.now() + windowSeconds * 1000;
    const started = performance.now();
    this.update({ phase: "awaiting-confirmation", confirmDeadline: deadline });
    this.say(
      `generation ${active} is active; waiting ${windowSeconds}s for ${
        job.healthTimeout ? "health checks and " : ""
      }confirmation over a new connection`,
    );
    // No canary until the host's own checks passed: nothing, not even the
    // deployer's token, can confirm a generation this host finds unhealthy.
    // The checks end with the window at the latest: they run in process
    // groups that are killed at their limit, so none can hold the run past it.
    const unhealthy = await this.hostChecks(job, started + windowSeconds * 1000);
    if (unhealthy) {
      const back = await this.rollBack();
      return this.finish("rolled-back", `${unhealthy}; ${back.message}`);
    }
    const confirmation = await this.awaitConfirmation(
      Math.max(0, windowSeconds * 1000 - (performance.now() - started)),
    );
    if (confirmation === "confirmed" && bootAfterConfirm) {
      this.say(`confirmed; making generation ${active} the boot default`);
      const boot = await activateEntry(profile, "boot", job.activationTimeout, this.say);
      if (!boot.ok) {
        const back = await this.rollBack();
        return this.finish(
          "rolled-back",
          `confirmed, but making it the boot default failed: ${boot.message}; ${back.message}`,
        );
      }
    }
    if (confirmation === "confirmed") {
      this.keep();
      return this.finish("confirmed", `generation ${active} is active and confirmed`);
    }
    const back = await this.rollBack();
    const why = confirmation === "vanished"
      ? "the canary disappeared from the run directory without a confirmation"
      : confirmation === "expired"
      ? `no confirmation within ${windowSeconds}s`
      : "declined" in confirmation
      ? `the deployer declined to confirm (${confirmation.declined || "no reason given"})`
      : `waiting for the confirmation failed (${confirmation.error})`;
    return this.finish("rolled-back", `${why}; ${back.message}`);
  }

  /**
   * The job's host-side health checks, retried until they all passed or
   * healthTimeout is over: undefined when healthy, else why not (and the
   * failing check goes into the status).
   */
  async hostChecks(job: ActivationJob, windowEnd?: number): Promise<string | undefined> {
    const checks = job.healthChecks ?? {};
    const names = Object.keys(checks);
    if (names.length === 0 || job.healthTimeout === undefined) return undefined;
    const timeout = job.healthTimeout;
    this.say(`running health checks on the host: ${names.join(", ")} (up to ${timeout}s)`);
    // `windowEnd` is on performance.now()'s clock: no check attempt outlasts the window.
    const limitMs = Math.min(
      timeout * 1000,
      windowEnd === undefined ? Infinity : Math.max(0, windowEnd - performance.now()),
    );
    const verdict = await untilHealthy(
      names,
      (name, ms) =>
        runCommandCheck(
          name,
          checks[name],
          windowEnd === undefined ? ms : Math.min(ms, Math.max(0, windowEnd - performance.now())),
        ),
      {
        timeoutMs: limitMs,
        intervalMs: (job.healthInterval ?? 2) * 1000,
        onResult: (r) => this.say(describeResult(r)),
      },
    );
    if (verdict.ok) {
      this.say("health checks on the host passed");
      return undefined;
    }
    this.update({ failedCheck: { name: verdict.failed.name, output: verdict.failed.output } });
    return describeFailure(verdict.failed, timeout);
  }

  /**
   * Create the canary, then watch (and poll) the run directory for `confirm`
   * to rename it to `canary.confirmed`. Anything else (the canary gone by
   * other means, an error) means not confirmed.
   */
  awaitConfirmation(
    timeoutMs: number,
  ): Promise<"confirmed" | "expired" | "vanished" | { error: string } | { declined: string }> {
    return new Promise((resolve) => {
      try {
        this.runDir.createCanary();
      } catch (e) {
        resolve({ error: `creating the canary: ${errorText(e)}` });
        return;
      }
      let settled = false;
      let watcher: ReturnType<typeof watch> | undefined;
      const check = () => {
        const offered = this.runDir.acceptOfferedToken();
        if (offered.offer === "refused") {
          this.say("a token that is not this run's was offered and refused");
        }
        if (offered.offer === "declined") {
          settle({ declined: offered.reason });
          return;
        }
        const c = this.runDir.confirmation();
        if (c !== "pending") settle(c);
      };
      const poll = setInterval(check, 250);
      // Whoever wins the rename race decides; setTimeout runs on the monotonic clock.
      const timer = setTimeout(
        () => settle(this.runDir.expireCanaryConfirmed() ? "confirmed" : "expired"),
        timeoutMs,
      );
      const settle = (
        r: "confirmed" | "expired" | "vanished" | { error: string } | { declined: string },
      ) => {
        if (settled) return;
        settled = true;
        watcher?.close();
        clearInterval(poll);
        clearTimeout(timer);
        resolve(r);
      };
      try {
        watcher = watch(this.runDir.path, check);
        watcher.on("error", () => {/* the poll still decides */});
      } catch {
        watcher = undefined;
      }
      check();
    });
  }

  async revoke(job: RevokeJob): Promise<number> {
    const profile = job.profilePath;
    const current = currentGeneration(profile);
    this.update({ phase: "rolling-back", previousGeneration: current ?? null });
    // A late revoke must not undo a deployment that came after this run's.
    if (job.expectGeneration !== null && current !== job.expectGeneration) {
      return this.finish(
        "refused",
        `not revoked: the profile moved on to generation ${
          current ?? "none (it was removed)"
        }; nothing changed`,
      );
    }
    this.undo = {
      previous: job.toGeneration ?? undefined,
      remove: job.removeGeneration === null ? [] : [job.removeGeneration],
      boot: job.boot,
      activationTimeout: job.activationTimeout,
    };
    const back = await rollBackProfile(profile, this.undo, this.say);
    this.undo = undefined;
    return this.finish(back.ok ? "revoked" : "failed", `revoked: ${back.message}`);
  }
}

/** Entry point of `deploy run-job RUN_DIR` (started by start.ts). */
export async function workerMain(runDirPath: string): Promise<number> {
  // The SSH session that started us may go away; that must not stop us.
  process.on("SIGHUP", () => {});
  // Writes to a log on a full disk must not kill the worker.
  process.stdout.on("error", () => {});
  process.stderr.on("error", () => {});
  const runDir = RunDir.open(runDirPath);
  const job = runDir.readJob();
  const worker = new Worker(runDir, job);
  const lock = await worker.lock();
  if (!lock) return 1;
  try {
    await recoverUnderLock(job.profilePath, worker.say);
    return job.kind === "activate" ? await worker.activate(job) : await worker.revoke(job);
  } catch (e) {
    if (worker.undo) {
      // Fail closed: whatever broke after the profile changed, put it back.
      let back;
      try {
        back = await worker.rollBack();
      } catch (again) {
        return worker.finish(
          "failed",
          `the helper failed: ${errorText(e)}; rolling back failed too: ${
            errorText(again)
          }; the next helper run on this profile tries again`,
        );
      }
      return worker.finish("rolled-back", `the helper failed: ${errorText(e)}; ${back.message}`);
    }
    return worker.finish("failed", `the helper failed: ${errorText(e)}`);
  } finally {
    runDir.removeCanary();
    try {
      keepRecentRuns(job.profilePath, runDir.path);
    } catch (e) {
      worker.say(`cleaning up old run directories failed: ${errorText(e)}`);
    }
    lock.release();
  }
}
