/**
 * Health checks: what a profile declares (`healthChecks`), which side runs
 * each one (a `command` on the host, as the profile's user; `http` and `tcp`
 * from the deployer), and the one retry loop both sides share. Light on
 * purpose: the on-host helper imports it.
 */

/** One check, as the flake declares it: exactly one of command, http, tcp. */
export type HealthCheck =
  | { command: string[] }
  | { http: string; expectStatus?: number }
  | { tcp: string };

/** Named checks of a profile. */
export type HealthChecks = Record<string, HealthCheck>;

export const HEALTH_CHECK_KINDS = ["command", "http", "tcp"] as const;
export type HealthCheckKind = (typeof HEALTH_CHECK_KINDS)[number];

/** One attempt's result. `output` is the last of what the check said, for the summary. */
export interface CheckResult {
  name: string;
  kind: HealthCheckKind;
  ok: boolean;
  output: string;
}

export function kindOf(check: HealthCheck): HealthCheckKind {
  return "command" in check ? "command" : "http" in check ? "http" : "tcp";
}

/** The checks the helper runs on the host: name → argv. */
export function hostSideChecks(checks: HealthChecks): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(checks).flatMap(([name, c]) => "command" in c ? [[name, c.command]] : []),
  );
}

/** The checks the deployer runs itself. */
export function deployerSideChecks(checks: HealthChecks): HealthChecks {
  return Object.fromEntries(Object.entries(checks).filter(([, c]) => !("command" in c)));
}

/** The last `max` characters of a check's output, on one line. */
export function tailOf(text: string, max = 300): string {
  const flat = text.trim().replace(/\s*\n\s*/g, " | ");
  return flat.length > max ? `...${flat.slice(-max)}` : flat;
}

export type HealthVerdict = { ok: true } | { ok: false; failed: CheckResult };

/**
 * Run every check, again every `intervalMs` for those not yet passed, until
 * all have passed once or `timeoutMs` is over. Each attempt may take at most
 * what is left of the time (at least one second). `onResult` hears each
 * result that differs from the check's previous one.
 */
export async function untilHealthy(
  names: readonly string[],
  run: (name: string, attemptMs: number) => Promise<CheckResult>,
  o: { timeoutMs: number; intervalMs: number; onResult: (r: CheckResult) => void },
): Promise<HealthVerdict> {
  const deadline = performance.now() + o.timeoutMs;
  const last = new Map<string, CheckResult>();
  let pending = [...names];
  while (true) {
    const attemptMs = Math.max(1000, deadline - performance.now());
    const results = await Promise.all(pending.map((name) => run(name, attemptMs)));
    for (const r of results) {
      const before = last.get(r.name);
      if (!before || before.ok !== r.ok || before.output !== r.output) o.onResult(r);
      last.set(r.name, r);
    }
    pending = pending.filter((name) => !last.get(name)!.ok);
    if (pending.length === 0) return { ok: true };
    const left = deadline - performance.now();
    if (left <= 0) return { ok: false, failed: last.get(pending[0])! };
    await new Promise((r) => setTimeout(r, Math.min(o.intervalMs, left)));
  }
}

/** A result as a log line. */
export function describeResult(r: CheckResult): string {
  return `health check ${r.name} (${r.kind}): ${r.ok ? "passed" : "failing"}${
    r.output ? `: ${r.output}` : ""
  }`;
}

/** What a check that kept failing says in the outcome and the summary. */
export function describeFailure(r: CheckResult, timeoutSeconds: number): string {
  return `health check ${r.name} (${r.kind}) did not pass within healthTimeout (${timeoutSeconds}s)${
    r.output ? `; last output: ${r.output}` : ""
  }`;
}
