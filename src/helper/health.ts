/**
 * Host-side health checks: each a command run as the profile's user (the
 * helper already runs as that user), passing when it exits 0. The deployer
 * sends them as JSON (`--health-checks`), name → argv.
 */
import { environment } from "./host_os.ts";
import { runInGroup } from "../process/group.ts";
import { UsageError } from "../shared/errors.ts";
import { type CheckResult, tailOf } from "../shared/health_checks.ts";

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

/**
 * Run one command check once, in a process group of its own: at `timeoutMs`
 * the whole group is killed, and whatever a check leaves behind goes when it
 * exits, so neither a grandchild nor a pipe it holds outlives the check.
 */
export async function runCommandCheck(
  name: string,
  argv: readonly string[],
  timeoutMs: number,
): Promise<CheckResult> {
  let out = "";
  const text = new TextDecoder();
  const r = await runInGroup(argv, {
    stdio: "pipe",
    cwd: "/",
    env: environment(),
    timeoutMs,
    killLeftovers: true,
    drainMs: 1000,
    onOutput: (c) => {
      out = (out + text.decode(c, { stream: true })).slice(-4096);
    },
  });
  const ok = !r.timedOut && r.code === 0;
  const why = r.spawnError !== undefined
    ? `cannot run ${argv[0]}: ${r.spawnError}`
    : r.timedOut
    ? `killed after ${Math.round(timeoutMs / 1000)}s (SIGKILL)`
    : r.signal
    ? `killed by ${r.signal}`
    : `exit ${r.code}`;
  const output = tailOf(out);
  return {
    name,
    kind: "command",
    ok,
    output: ok ? output : [why, output].filter(Boolean).join(": "),
  };
}
