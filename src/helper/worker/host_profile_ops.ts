/**
 * The worker's `ProfileOps` on the host: each operation over the module
 * that owns it (generations, pending mark, lock, record, activation entry,
 * host checks, roll-back, the run directory). No policy here: which
 * failure ends how is decided in worker.ts and the files beside it.
 */
import { join } from "../../shared/posix_path.ts";
import { writeStdout } from "../../process/runtime.ts";
import { exists, pid } from "../host_os.ts";
import { describeResult, untilHealthy } from "../../shared/health_checks.ts";
import { activationCommand } from "../activation_entry.ts";
import {
  currentGeneration,
  listGenerations,
  setProfile,
  switchGeneration,
} from "../generations.ts";
import { runCommandCheck } from "../health.ts";
import { describeHolder, tryLockProfile } from "../lock.ts";
import { clearPending, writePending } from "../pending.ts";
import { appendRecord } from "../record.ts";
import { recoverUnderLock } from "../recover.ts";
import { activateEntry, rollBackProfile } from "../roll_back.ts";
import type { Job, RunDir } from "../run_dir.ts";
import { keepRecentRuns } from "../run_history.ts";
import { awaitConfirmation } from "./confirmation.ts";
import type { ProfileOps } from "./profile_ops.ts";
import { discardOlderRuns, keptRunOf, restoreKeptRun, RunSecrets } from "../secrets/run_secrets.ts";

/** A file in a profile saying its entry defers the boot default (DEPLOY_TS_BOOT_AFTER_CONFIRM=1). */
export const BOOT_AFTER_CONFIRM_MARKER = "deploy-ts-boot-after-confirm";

/** The operations of `job`'s worker, logging to its stdout (the run's log file). */
export function hostProfileOps(runDir: RunDir, job: Job): ProfileOps {
  const profile = job.profilePath;
  const say = (message: string): void => {
    try {
      writeStdout(`[deploy-ts] ${message}\n`);
    } catch {
      // The log is on a full or vanished disk; the outcome still gets recorded.
    }
  };
  const secrets = new RunSecrets(runDir.path);
  return {
    say,
    async lock() {
      const result = await tryLockProfile(profile, {
        deployer: job.deployer,
        pid,
        since: Date.now(),
        runDir: runDir.path,
      });
      return "lock" in result ? result.lock : { heldBy: describeHolder(result.heldBy) };
    },
    async recoverUnfinished() {
      await recoverUnderLock(profile, say);
    },
    cleanUp() {
      // The outcome is final: the values leave the host, and what they replaced
      // unless the new generation stays (a revoke may still put it back, until
      // the profile's next run, which drops what earlier runs kept).
      secrets.discardValues();
      discardOlderRuns(profile, runDir.path);
      runDir.removeCanary();
      try {
        keepRecentRuns(profile, runDir.path);
      } catch (e) {
        say(`cleaning up old run directories failed: ${e instanceof Error ? e.message : e}`);
      }
    },
    writeStatus: (status) => runDir.writeStatus(status),
    appendRecord,
    markPending: (run) => writePending(profile, run),
    clearPending: () => clearPending(profile),
    currentGeneration: () => currentGeneration(profile),
    listGenerations: () => listGenerations(profile),
    switchProfile: (to) =>
      "generation" in to
        ? switchGeneration(profile, to.generation)
        : setProfile(profile, to.closure),
    hasActivationEntry: (closure, goal) => activationCommand(closure, goal, exists) !== undefined,
    defersBootDefault: (closure) => exists(join(closure, BOOT_AFTER_CONFIRM_MARKER)),
    runEntry: (dir, goal, timeout, env) => activateEntry(dir, goal, timeout, say, env),
    checkHealth: (checks, { timeoutMs, intervalMs, windowEnd }) =>
      untilHealthy(
        Object.keys(checks),
        // No check attempt outlasts the window.
        (name, ms) =>
          runCommandCheck(
            name,
            checks[name],
            windowEnd === undefined ? ms : Math.min(ms, Math.max(0, windowEnd - performance.now())),
          ),
        { timeoutMs, intervalMs, onResult: (r) => say(describeResult(r)) },
      ),
    awaitConfirmation: (timeoutMs) => awaitConfirmation(runDir, timeoutMs, say),
    rollBack: (undo) => rollBackProfile(profile, undo, say),
    hasSecrets: (uploadAt) => secrets.has(uploadAt),
    writeSecrets: (uploadAt) => secrets.write(uploadAt, say),
    restoreSecrets: (ofRun) => ofRun ? restoreKeptRun(ofRun, say) : secrets.restore(say),
    runOfGeneration: (generation) => keptRunOf(profile, generation),
  };
}
