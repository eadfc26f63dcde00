/**
 * A revoke job: put the profile back on the generation it had before a run
 * (the deployer's explicit rollback, without magic rollback or after a
 * later failure), but only while the profile is still on that run's
 * generation.
 */
import type { RevokeJob } from "../run_dir.ts";
import type { WorkerRun } from "./worker_run.ts";

export async function revoke(run: WorkerRun, job: RevokeJob): Promise<number> {
  const current = run.ops.currentGeneration();
  run.update({ phase: "rolling-back", previousGeneration: current ?? null });
  // A late revoke must not undo a deployment that came after this run's.
  if (job.expectGeneration !== null && current !== job.expectGeneration) {
    return run.finish(
      "refused",
      `not revoked: the profile moved on to generation ${
        current ?? "none (it was removed)"
      }; nothing changed`,
    );
  }
  run.undo = {
    previous: job.toGeneration ?? undefined,
    remove: job.removeGeneration === null ? [] : [job.removeGeneration],
    boot: job.boot,
    activationTimeout: job.activationTimeout,
  };
  // The secrets first, as in any rollback; what they replaced is kept in the revoked run.
  const revoked = job.expectGeneration ?? job.removeGeneration;
  const ofRun = revoked === null ? undefined : run.ops.runOfGeneration(revoked);
  const secrets = ofRun === undefined ? "" : run.restoreSecrets(ofRun);
  const back = await run.ops.rollBack(run.undo);
  run.undo = undefined;
  return run.finish(
    back.ok ? "revoked" : "failed",
    `revoked: ${back.message}${secrets ? `; ${secrets}` : ""}`,
  );
}
