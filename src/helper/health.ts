/**
 * Host-side health checks: each a command run as the profile's user (the
 * helper already runs as that user), passing when it exits 0. The deployer
 * sends them as JSON (`--health-checks`), name → argv.
 */
import { spawn } from "node:child_process";
import type { Buffer } from "node:buffer";
import { UsageError } from "../errors.ts";
import { type CheckResult, tailOf } from "../health_checks.ts";

/** `--health-checks` as sent by the deployer: an object of name → non-empty argv. */
export function parseHostChecks(text: string): Record<string, string[]> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new UsageError("--health-checks takes a JSON object of name to argv");
  }
  const ok = v !== null && typeof v === "object" && !Array.isArray(v) &&
    Object.values(v).every((argv) =>
      Array.isArray(argv) && argv.length > 0 && argv.every((w) => typeof w === "string")
    );
  if (!ok) throw new UsageError("--health-checks takes a JSON object of name to argv");
  return v as Record<string, string[]>;
}

/** Run one command check once, killing it after `timeoutMs`. */
export function runCommandCheck(
  name: string,
  argv: readonly string[],
  timeoutMs: number,
): Promise<CheckResult> {
  return new Promise((resolve) => {
    let out = "";
    const done = (ok: boolean, why: string) => {
      clearTimeout(timer);
      const output = tailOf(out);
      resolve({
        name,
        kind: "command",
        ok,
        output: ok ? output : [why, output].filter(Boolean).join(": "),
      });
    };
    const child = spawn(argv[0], argv.slice(1), {
      stdio: ["ignore", "pipe", "pipe"],
      cwd: "/",
    });
    const keep = (c: Buffer) => {
      out = (out + c.toString("utf8")).slice(-4096);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => done(false, `cannot run ${argv[0]}: ${e.message}`));
    child.on("close", (code, signal) =>
      done(
        code === 0,
        signal ? `killed after ${Math.round(timeoutMs / 1000)}s (${signal})` : `exit ${code}`,
      ));
  });
}
