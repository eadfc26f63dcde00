/**
 * Deployer-side health checks: `http` (a GET that must answer expectStatus,
 * 200 unless set; redirects are not followed) and `tcp` (a connection that
 * must open), run from the deployer, as the users of the service would reach it.
 */
import { connect } from "node:net";
import {
  type CheckResult,
  type HealthCheck,
  type HealthVerdict,
  kindOf,
  tailOf,
  untilHealthy,
} from "../health_checks.ts";

/** One attempt of one deployer-side check, given up after `timeoutMs`. */
export async function runDeployerCheck(
  name: string,
  check: HealthCheck,
  timeoutMs: number,
): Promise<CheckResult> {
  if ("http" in check) {
    const expect = check.expectStatus ?? 200;
    try {
      const r = await fetch(check.http, {
        redirect: "manual",
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = tailOf(await r.text(), 200);
      return {
        name,
        kind: "http",
        ok: r.status === expect,
        output: `HTTP ${r.status}${r.status === expect ? "" : ` (expected ${expect})`}${
          body ? `: ${body}` : ""
        }`,
      };
    } catch (e) {
      return { name, kind: "http", ok: false, output: errorText(e) };
    }
  }
  if ("tcp" in check) {
    const at = check.tcp.lastIndexOf(":");
    const host = check.tcp.slice(0, at).replace(/^\[(.*)\]$/, "$1");
    const port = Number(check.tcp.slice(at + 1));
    return await new Promise((resolve) => {
      const socket = connect({ host, port });
      const done = (ok: boolean, output: string) => {
        clearTimeout(timer);
        socket.destroy();
        resolve({ name, kind: "tcp", ok, output });
      };
      const timer = setTimeout(
        () => done(false, `no connection within ${Math.round(timeoutMs / 1000)}s`),
        timeoutMs,
      );
      socket.on("connect", () => done(true, `connected to ${check.tcp}`));
      socket.on("error", (e) => done(false, errorText(e)));
    });
  }
  return { name, kind: kindOf(check), ok: false, output: "runs on the host, not here" };
}

/** Every deployer-side check, retried until all passed or `timeoutSeconds` is over. */
export function deployerChecksHealthy(
  checks: Record<string, HealthCheck>,
  o: { timeoutSeconds: number; intervalSeconds: number; onResult: (r: CheckResult) => void },
): Promise<HealthVerdict> {
  return untilHealthy(
    Object.keys(checks),
    (name, ms) => runDeployerCheck(name, checks[name], ms),
    {
      timeoutMs: o.timeoutSeconds * 1000,
      intervalMs: o.intervalSeconds * 1000,
      onResult: o.onResult,
    },
  );
}

function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as { cause?: unknown }).cause;
  return cause instanceof Error && cause.message !== e.message
    ? `${e.message} (${cause.message})`
    : e.message;
}
