/**
 * Rolling back a run whose worker died before its outcome was final
 * (SIGKILL, the OOM killer, a reboot during the confirmation window). Every
 * helper run on the profile checks for one; the lock says whether the
 * worker is really gone: it holds the lock until the outcome is final, and
 * the kernel frees it when the worker dies.
 */
import { pid } from "./host_os.ts";
import { currentGeneration, listGenerations } from "./generations.ts";
import { tryLockProfile } from "./lock.ts";
import { clearPending, type PendingRun, readPending } from "./pending.ts";
import { appendRecord } from "./record.ts";
import { rollBackProfile } from "./roll_back.ts";
import { RunDir } from "./run_dir.ts";
import { restoreDeadRun } from "./secrets/run_secrets.ts";

/**
 * Roll back the profile's unfinished run, if there is one. The caller holds
 * the profile's lock. Returns what was done, or undefined when nothing was pending.
 */
export async function recoverUnderLock(
  profilePath: string,
  say: (message: string) => void,
): Promise<string | undefined> {
  const pending = readPending(profilePath);
  if (!pending) return undefined;
  const before = new Set(pending.before);
  // The secrets first, as in a worker's own rollback.
  const secrets = restoreDeadRun(pending.runDir, say);
  const back = await rollBackProfile(profilePath, {
    previous: pending.previousGeneration ?? undefined,
    remove: listGenerations(profilePath).filter((g) => !before.has(g)),
    boot: pending.boot,
    activationTimeout: pending.activationTimeout,
  }, say);
  const message =
    `rolled back an unfinished run: the worker of run ${pending.runDir} (pid ${pending.pid}) died before the outcome was final; ${back.message}${
      secrets ? `; ${secrets}` : ""
    }`;
  finalise(profilePath, pending, message, back.ok);
  clearPending(profilePath);
  say(message);
  return message;
}

/** Record the outcome for `deploy status`, and in the dead run's directory for a `wait` on it. */
function finalise(profilePath: string, pending: PendingRun, message: string, ok: boolean): void {
  const active = currentGeneration(profilePath) ?? null;
  appendRecord({
    time: new Date().toISOString(),
    profilePath,
    closure: pending.closure,
    deployer: pending.deployer,
    outcome: ok ? "rolled-back" : "failed",
    message,
    previousGeneration: pending.previousGeneration,
    newGeneration: null,
    activeGeneration: active,
    runDir: pending.runDir,
  });
  try {
    const run = RunDir.open(pending.runDir);
    // Nothing is left to confirm in the dead run.
    run.removeCanary();
    run.writeStatus({
      phase: "done",
      outcome: ok ? "rolled-back" : "failed",
      message,
      pid: pending.pid,
      profilePath,
      closure: pending.closure,
      previousGeneration: pending.previousGeneration,
      activeGeneration: active,
      startedAt: pending.since,
      updatedAt: Date.now(),
    });
  } catch {
    // The run directory went with the reboot, or was cleaned up.
  }
}

/**
 * For helper commands that do not take the lock themselves (`query`,
 * `confirm`, `wait`): if a run is pending and its lock is free, its worker
 * is dead: roll it back now.
 */
export async function recoverIfDead(
  profilePath: string,
  say: (message: string) => void,
): Promise<string | undefined> {
  if (!readPending(profilePath)) return undefined;
  const result = await tryLockProfile(profilePath, {
    deployer: "deploy-ts recovery",
    pid,
    since: Date.now(),
    runDir: "",
  });
  if (!("lock" in result)) return undefined;
  try {
    return await recoverUnderLock(profilePath, say);
  } finally {
    result.lock.release();
  }
}
