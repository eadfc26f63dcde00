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
} from "../shared/health_checks.ts";

/**
 * How much of a response body is read: enough for the tail a report shows,
 * never the whole of a streaming or huge endpoint (which would fill the
 * deployer's memory); the rest is cancelled unread.
 */
export const BODY_LIMIT_BYTES = 16 * 1024;

/**
 * Up to `limit` bytes of a body, then the body cancelled (the connection is
 * closed, the server stops sending). A body still arriving when `signal`
 * fires ends the read with what came so far: the verdict is the status's.
 */
async function readCapped(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
  signal: AbortSignal,
): Promise<{ text: string; cut: boolean }> {
  if (!body) return { text: "", cut: false };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let cut = false;
  const aborted = new Promise<"aborted">((r) => {
    if (signal.aborted) r("aborted");
    signal.addEventListener("abort", () => r("aborted"), { once: true });
  });
  try {
    while (size < limit) {
      const next = await Promise.race([reader.read(), aborted]);
      if (next === "aborted") {
        cut = true;
        break;
      }
      if (next.done) break;
      chunks.push(next.value.subarray(0, limit - size));
      size += next.value.length;
      if (size >= limit) cut = true;
    }
  } catch {
    cut = true; // the connection broke, or the timeout aborted the read
  } finally {
    reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(Math.min(size, limit));
  let off = 0;
  for (const c of chunks) {
    bytes.set(c, off);
    off += c.length;
  }
  return { text: new TextDecoder().decode(bytes), cut };
}

/** One attempt of one deployer-side check, given up after `timeoutMs`. */
export async function runDeployerCheck(
  name: string,
  check: HealthCheck,
  timeoutMs: number,
): Promise<CheckResult> {
  if ("http" in check) {
    const expect = check.expectStatus ?? 200;
    // One deadline for the headers and the body alike.
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const r = await fetch(check.http, { redirect: "manual", signal });
      const read = await readCapped(r.body, BODY_LIMIT_BYTES, signal);
      const body = tailOf(read.text, 200);
      return {
        name,
        kind: "http",
        ok: r.status === expect,
        output: `HTTP ${r.status}${r.status === expect ? "" : ` (expected ${expect})`}${
          body ? `: ${body}${read.cut ? " (body not read to its end)" : ""}` : ""
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
