/**
 * The host's own health gate after an activation: the job's host-side
 * checks, retried until they all passed or healthTimeout is over, and
 * never past the confirmation window when there is one.
 */
import { describeFailure } from "../../shared/health_checks.ts";
import type { ActivationJob } from "../run_dir.ts";
import type { WorkerRun } from "./worker_run.ts";

/**
 * Undefined when healthy (or there is nothing to check), else why not; the
 * failing check goes into the status. `windowEnd` is on performance.now()'s clock.
 */
export async function hostChecks(
  run: WorkerRun,
  job: ActivationJob,
  windowEnd?: number,
): Promise<string | undefined> {
  const checks = job.healthChecks ?? {};
  const names = Object.keys(checks);
  if (names.length === 0 || job.healthTimeout === undefined) return undefined;
  const timeout = job.healthTimeout;
  run.say(`running health checks on the host: ${names.join(", ")} (up to ${timeout}s)`);
  const verdict = await run.ops.checkHealth(checks, {
    timeoutMs: Math.min(
      timeout * 1000,
      windowEnd === undefined ? Infinity : Math.max(0, windowEnd - performance.now()),
    ),
    intervalMs: (job.healthInterval ?? 2) * 1000,
    windowEnd,
  });
  if (verdict.ok) {
    run.say("health checks on the host passed");
    return undefined;
  }
  run.update({ failedCheck: { name: verdict.failed.name, output: verdict.failed.output } });
  return describeFailure(verdict.failed, timeout);
}
