/**
 * Entry point of `deploy run-job RUN_DIR` (started by start.ts): the worker
 * runs in its own session with its output in the run's log file, so a
 * dropped SSH connection neither kills a half-done switch nor loses its
 * outcome.
 */
import { RunDir } from "../run_dir.ts";
import { hostProfileOps } from "./host_profile_ops.ts";
import { runWorker } from "./worker.ts";

export async function workerMain(runDirPath: string): Promise<number> {
  // The SSH session that started us may go away; that must not stop us.
  Deno.addSignalListener("SIGHUP", () => {});
  // Writes to a log on a full disk must not kill the worker: its say()
  // catches what writing its log throws.
  const runDir = RunDir.open(runDirPath);
  const job = runDir.readJob();
  return await runWorker(hostProfileOps(runDir, job), job, runDir.path);
}
