/**
 * The deployer's half of the health policy: which checks an activation
 * runs at all, and the deployer-side ones (http, tcp) run from here until
 * they pass or healthTimeout is over, logged as they change. The host runs
 * its own half (command checks) itself; the verdict of this half decides
 * whether the deployer confirms (magic rollback) or rolls back (without).
 */
import type { ProfilePlan } from "../config/plan.ts";
import {
  type CheckResult,
  deployerSideChecks,
  describeResult,
  type HealthChecks,
} from "../shared/health_checks.ts";
import { deployerChecksHealthy } from "./health_probe.ts";
import type { ActivationMode } from "./host.ts";

/** Where the gate's progress goes. */
export type HealthLog = (line: string, source: "health") => void;

/**
 * The health checks of an activation: none for `deploy rollback` (going back
 * must not be undone by a check of what is being left) and for boot and dry
 * activations (nothing new runs).
 */
export function activationChecks(plan: ProfilePlan, mode: ActivationMode): HealthChecks {
  return mode.goal === "switch" && mode.generation === undefined ? plan.settings.healthChecks : {};
}

/** Whether any of these checks runs from the deployer. */
export function hasDeployerChecks(checks: HealthChecks): boolean {
  return Object.keys(deployerSideChecks(checks)).length > 0;
}

/**
 * The deployer's own checks of a profile, logged as they change: the check
 * that kept failing, or undefined when all passed (or there were none).
 */
export async function deployerChecks(
  plan: ProfilePlan,
  onLog: HealthLog,
  checks: HealthChecks,
): Promise<CheckResult | undefined> {
  const mine = deployerSideChecks(checks);
  if (Object.keys(mine).length === 0) return undefined;
  onLog(
    `running health checks from the deployer: ${
      Object.keys(mine).join(", ")
    } (up to ${plan.settings.healthTimeout}s)`,
    "health",
  );
  const verdict = await deployerChecksHealthy(mine, {
    timeoutSeconds: plan.settings.healthTimeout,
    intervalSeconds: plan.settings.healthInterval,
    onResult: (r) => onLog(describeResult(r), "health"),
  });
  if (verdict.ok) {
    onLog("health checks from the deployer passed", "health");
    return undefined;
  }
  return verdict.failed;
}
