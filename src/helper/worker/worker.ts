/**
 * The detached worker's policy: the part of the helper that changes the
 * profile, over a `ProfileOps` (profile_ops.ts). It holds the profile's
 * lock until the outcome is final, and first rolls back a run whose worker
 * died.
 *
 * It fails closed: once the profile may have changed, any error, thrown
 * by any step, ends in a rollback (`WorkerRun.failAfterSwitch`), and only
 * a positive, token-checked confirmation keeps the new generation under
 * magic rollback. Before the switch, a failure leaves the profile as it was.
 */
import { activate } from "./activate.ts";
import type { ProfileOps } from "./profile_ops.ts";
import { revoke } from "./revoke.ts";
import type { Job } from "../run_dir.ts";
import { errorText, WorkerRun } from "./worker_run.ts";

/** Run `job` (from the run directory `runDir`) to its final outcome; the exit code. */
export async function runWorker(ops: ProfileOps, job: Job, runDir: string): Promise<number> {
  const run = new WorkerRun(ops, job, runDir);
  run.update({ phase: "locking" });
  const lock = await ops.lock();
  if (!("release" in lock)) {
    return run.finish(
      "refused",
      `${job.profilePath} is being deployed by ${lock.heldBy}; nothing was changed`,
      false,
    );
  }
  try {
    await ops.recoverUnfinished();
    return job.kind === "activate" ? await activate(run, job) : await revoke(run, job);
  } catch (e) {
    const why = `the helper failed: ${errorText(e)}`;
    // Fail closed: whatever broke after the profile changed, put it back.
    return run.undo ? await run.failAfterSwitch(why) : run.finish("failed", why);
  } finally {
    ops.cleanUp();
    lock.release();
  }
}
