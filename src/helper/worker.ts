/**
 * The detached worker: the part of the helper that changes the profile. It
 * runs in its own session with its output in the run's log file, so a
 * dropped SSH connection neither kills a half-done switch nor loses its
 * outcome. It holds the profile's lock until the outcome is final.
 */
import { existsSync, rmSync, watch } from "node:fs";
import process from "node:process";
import { run } from "../process/run.ts";
import { activationCommand, type ActivationMode } from "./activation_entry.ts";
import {
  currentGeneration,
  deleteGeneration,
  generationLink,
  listGenerations,
  setProfile,
  switchGeneration,
} from "./generations.ts";
import { describeHolder, type ProfileLock, tryLockProfile } from "./lock.ts";
import { type Outcome, type RunStatus, SUCCESSFUL_OUTCOMES } from "./protocol.ts";
import { appendRecord } from "./record.ts";
import { type ActivationJob, type RevokeJob, RunDir } from "./run_dir.ts";

type EntryResult = { ok: true } | { ok: false; missing: boolean; message: string };

function say(message: string): void {
  process.stdout.write(`[deploy-ts] ${message}\n`);
}

class Worker {
  status: RunStatus;

  constructor(readonly run: RunDir, readonly job: ActivationJob | RevokeJob) {
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

  update(patch: Partial<RunStatus>): void {
    this.status = { ...this.status, ...patch, updatedAt: Date.now() };
    this.run.writeStatus(this.status);
  }

  finish(outcome: Outcome, message: string, record = true): number {
    const active = currentGeneration(this.job.profilePath) ?? null;
    this.update({ phase: "done", outcome, message, activeGeneration: active });
    say(message);
    if (record) {
      appendRecord({
        time: new Date().toISOString(),
        profilePath: this.job.profilePath,
        closure: this.status.closure,
        deployer: this.job.deployer,
        outcome,
        message,
        previousGeneration: this.status.previousGeneration ?? null,
        newGeneration: this.status.newGeneration ?? null,
        activeGeneration: active,
        runDir: this.run.path,
      });
    }
    return SUCCESSFUL_OUTCOMES.includes(outcome) ? 0 : 1;
  }

  async lock(): Promise<ProfileLock | undefined> {
    this.update({ phase: "locking" });
    const result = await tryLockProfile(this.job.profilePath, {
      deployer: this.job.deployer,
      pid: process.pid,
      since: Date.now(),
      runDir: this.run.path,
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

  /** Run the profile's activation entry. */
  async activate(dir: string, mode: ActivationMode): Promise<EntryResult> {
    const command = activationCommand(dir, mode, existsSync);
    if (!command) return { ok: false, missing: true, message: `${dir} has no activation entry` };
    say(`running ${command.argv.join(" ")} (${mode})`);
    const r = await run(command.argv, { cwd: command.cwd, env: command.env, inherit: true });
    if (r.code === 0) return { ok: true };
    return {
      ok: false,
      missing: false,
      message: `the activation script ${command.argv[0]} ${
        r.code === null ? `was killed by ${r.signal}` : `exited with code ${r.code}`
      }`,
    };
  }

  /**
   * Put the profile back exactly on `previous` (never one further, deploy-rs
   * #154), delete the generation this run made, and re-activate `previous`.
   * With no previous generation the profile is removed: the host is as it was.
   */
  async rollBack(
    previous: number | undefined,
    created: number | undefined,
    boot: boolean,
  ): Promise<{ ok: boolean; message: string }> {
    const P = this.job.profilePath;
    this.update({ phase: "rolling-back" });
    if (previous === undefined) {
      for (const g of created === undefined ? [] : [created]) {
        rmSync(generationLink(P, g), { force: true });
      }
      if (listGenerations(P).length === 0) rmSync(P, { force: true });
      return {
        ok: true,
        message: "the profile did not exist before this deployment and has been removed",
      };
    }
    await switchGeneration(P, previous);
    if (created !== undefined && created !== previous) await deleteGeneration(P, created);
    const entry = await this.activate(P, boot ? "boot" : "switch");
    if (entry.ok) {
      return { ok: true, message: `generation ${previous} is active again and re-activated` };
    }
    if (entry.missing) {
      return {
        ok: true,
        message: `generation ${previous} is active again (it has no activation entry to re-run)`,
      };
    }
    return {
      ok: false,
      message:
        `generation ${previous} is active again, but re-activating it failed: ${entry.message}`,
    };
  }

  async runActivation(job: ActivationJob): Promise<number> {
    const P = job.profilePath;
    const previous = currentGeneration(P);
    this.update({ phase: "setting", previousGeneration: previous ?? null });
    if (job.mode === "dry-activate") {
      this.update({ phase: "activating" });
      const dry = await this.activate(job.closure, "dry-activate");
      return dry.ok
        ? this.finish("dry-activated", "dry activation succeeded; nothing was changed")
        : this.finish("failed", `dry activation failed: ${dry.message}; nothing was changed`);
    }
    if (!activationCommand(job.closure, job.mode, existsSync)) {
      return this.finish(
        "failed",
        `${job.closure} has no activation entry (deploy-ts-activate, deploy-rs-activate or bin/switch-to-configuration); nothing was changed`,
      );
    }
    const before = new Set(listGenerations(P));
    try {
      if (job.generation !== undefined) {
        if (!before.has(job.generation)) {
          return this.finish(
            "failed",
            `${P} has no generation ${job.generation}; nothing was changed`,
          );
        }
        say(`switching ${P} to generation ${job.generation}`);
        await switchGeneration(P, job.generation);
      } else {
        say(`setting ${P} to ${job.closure}`);
        await setProfile(P, job.closure);
      }
    } catch (e) {
      const made = listGenerations(P).find((g) => !before.has(g));
      const detail = e instanceof Error ? e.message : String(e);
      if (made === undefined && currentGeneration(P) === previous) {
        return this.finish(
          "failed",
          `setting the profile failed: ${detail}; ${
            previous === undefined
              ? "the profile still does not exist"
              : `generation ${previous} is still active`
          }`,
        );
      }
      const back = await this.rollBack(previous, made, job.mode === "boot");
      return this.finish("rolled-back", `setting the profile failed: ${detail}; ${back.message}`);
    }
    const active = currentGeneration(P);
    // A generation this run made is deleted on rollback; an existing one (deploy rollback) is kept.
    const created = job.generation === undefined ? active : undefined;
    this.update({ phase: "activating", newGeneration: active ?? null });
    const entry = await this.activate(P, job.mode);
    if (!entry.ok) {
      if (!job.autoRollback) {
        return this.finish(
          "failed",
          `${entry.message}; autoRollback is off, so generation ${active} stays active`,
        );
      }
      const back = await this.rollBack(previous, created, job.mode === "boot");
      return this.finish("rolled-back", `${entry.message}; ${back.message}`);
    }
    if (job.mode === "boot") {
      return this.finish("activated-for-boot", `generation ${active} is set for the next boot`);
    }
    if (!job.magicRollback) return this.finish("activated", `generation ${active} is active`);

    const timeoutMs = job.confirmTimeout * 1000;
    this.update({ phase: "awaiting-confirmation", confirmDeadline: Date.now() + timeoutMs });
    say(
      `generation ${active} is active; waiting ${job.confirmTimeout}s for confirmation over a new connection`,
    );
    if (await this.awaitConfirmation(timeoutMs)) {
      return this.finish("confirmed", `generation ${active} is active and confirmed`);
    }
    const back = await this.rollBack(previous, created, false);
    return this.finish(
      "rolled-back",
      `no confirmation within ${job.confirmTimeout}s; ${back.message}`,
    );
  }

  /** Watch the run directory, then create the canary, then wait for `confirm` to take it. */
  awaitConfirmation(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (confirmed: boolean) => {
        if (settled) return;
        settled = true;
        watcher?.close();
        clearInterval(poll);
        clearTimeout(timer);
        resolve(confirmed);
      };
      const check = () => {
        if (!this.run.hasCanary()) settle(true);
      };
      let watcher: ReturnType<typeof watch> | undefined;
      try {
        watcher = watch(this.run.path, check);
        watcher.on("error", () => {/* the poll below still decides */});
      } catch {
        watcher = undefined;
      }
      const poll = setInterval(check, 250);
      // Whoever wins the rename/unlink race decides: expireCanary fails if confirm took it.
      const timer = setTimeout(() => settle(!this.run.expireCanary()), timeoutMs);
      this.run.createCanary();
    });
  }

  async runRevoke(job: RevokeJob): Promise<number> {
    const P = job.profilePath;
    this.update({ phase: "rolling-back", previousGeneration: currentGeneration(P) ?? null });
    const back = await this.rollBack(
      job.toGeneration ?? undefined,
      job.removeGeneration ?? undefined,
      job.boot,
    );
    return this.finish(back.ok ? "revoked" : "failed", `revoked: ${back.message}`);
  }
}

/** Entry point of `deploy activate --worker RUN_DIR`. */
export async function runWorker(runDirPath: string): Promise<number> {
  // The SSH session that started us may go away; that must not stop us.
  process.on("SIGHUP", () => {});
  const dir = RunDir.open(runDirPath);
  const job = dir.readJob();
  const worker = new Worker(dir, job);
  const lock = await worker.lock();
  if (!lock) return 1;
  try {
    return job.kind === "activate" ? await worker.runActivation(job) : await worker.runRevoke(job);
  } catch (e) {
    return worker.finish("failed", `the helper failed: ${e instanceof Error ? e.message : e}`);
  } finally {
    dir.removeCanary();
    lock.release();
  }
}
