/**
 * `deploy check`: every selected profile's health checks, once, against what
 * is deployed now. Host-side ones through the helper (one login per host),
 * the others from here. Nothing is changed anywhere.
 */
import type { ProfilePlan } from "../config/plan.ts";
import {
  type CheckResult,
  deployerSideChecks,
  HEALTH_CHECK_KINDS,
  hostSideChecks,
} from "../shared/health_checks.ts";
import { runDeployerCheck } from "../host/health_probe.ts";
import { onHosts, type OnHostsOptions } from "./fleet.ts";

export interface CheckReport {
  node: string;
  profile: string;
  ok: boolean;
  checks: CheckResult[];
  /** Why the host-side checks could not run. */
  error?: string;
}

export async function checkProfiles(o: OnHostsOptions): Promise<CheckReport[]> {
  const withHostChecks = o.plan.filter((p) =>
    Object.keys(hostSideChecks(p.settings.healthChecks)).length
  );
  const onHost = withHostChecks.length
    ? await onHosts(
      { ...o, plan: withHostChecks },
      (p, host) => host.checkHealth(p, hostSideChecks(p.settings.healthChecks)),
    )
    : new Map<ProfilePlan, CheckResult[] | Error>();
  return await Promise.all(o.plan.map(async (p) => {
    const here = deployerSideChecks(p.settings.healthChecks);
    const local = await Promise.all(
      Object.entries(here).map(([name, c]) =>
        runDeployerCheck(name, c, p.settings.healthTimeout * 1000)
      ),
    );
    const remote = onHost.get(p);
    const checks = [...(Array.isArray(remote) ? remote : []), ...local];
    const order = Object.keys(p.settings.healthChecks);
    checks.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
    const error = remote instanceof Error ? remote.message : undefined;
    return {
      node: p.node,
      profile: p.profile,
      ok: !error && checks.every((c) => c.ok),
      checks,
      ...(error ? { error } : {}),
    };
  }));
}

/** The reports as text: one line per check. */
export function formatCheckReports(reports: readonly CheckReport[]): string {
  const width = Math.max(...HEALTH_CHECK_KINDS.map((k) => k.length));
  return reports.map((r) => {
    const head = `${r.node}.${r.profile}: ${
      r.error
        ? "could not run the checks"
        : r.checks.length === 0
        ? "no health checks"
        : r.ok
        ? "healthy"
        : "UNHEALTHY"
    }`;
    const lines = r.checks.map((c) =>
      `  ${c.ok ? "ok    " : "FAILED"}  ${c.kind.padEnd(width)}  ${c.name}${
        c.output ? `: ${c.output}` : ""
      }`
    );
    if (r.error) lines.push(`  ${r.error}`);
    return [head, ...lines].join("\n") + "\n";
  }).join("");
}
