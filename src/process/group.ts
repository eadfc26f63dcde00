/**
 * Running a command in a process group of its own, with a limit. At the
 * limit the whole group goes (TERM, then KILL after a grace), not only the
 * direct child: a grandchild (`sh -c "a | b"`) must not outlive it, nor keep
 * its output pipes open. The result never waits on those pipes for longer
 * than `drainMs` after the leader exited, so nothing left holding them can
 * hold the caller.
 */
import { spawn } from "node:child_process";
import process from "node:process";
import type { Buffer } from "node:buffer";

export interface GroupOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** "pipe" collects output (see `onOutput`); "inherit" hands over the caller's. */
  stdio: "pipe" | "inherit";
  /** Kill the group after this long; unset: no limit. */
  timeoutMs?: number;
  /** Between TERM and KILL at the limit; 0 kills at once. */
  graceMs?: number;
  /** Kill what is left in the group once the leader exited, limit or not. */
  killLeftovers?: boolean;
  /** How long to wait for the output pipes to close once the leader exited. */
  drainMs?: number;
  onOutput?: (chunk: Buffer) => void;
}

export interface GroupRun {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Set when the command could not be started. */
  spawnError?: string;
}

/** At most what a timer holds: a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Signal every process of group `pgid`; false when there is none left. */
export function killGroup(pgid: number | undefined, signal: NodeJS.Signals): boolean {
  if (pgid === undefined || pgid <= 0) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    // The group is already gone.
    return false;
  }
}

export function runInGroup(argv: readonly string[], o: GroupOptions): Promise<GroupRun> {
  return new Promise((resolve) => {
    const stdio = o.stdio === "pipe" ? "pipe" : "inherit";
    let child;
    try {
      child = spawn(argv[0], argv.slice(1), {
        cwd: o.cwd,
        env: o.env,
        stdio: ["ignore", stdio, stdio],
        // setsid(): the child leads a new session and process group.
        detached: true,
      });
    } catch (e) {
      resolve({ code: 127, signal: null, timedOut: false, spawnError: (e as Error).message });
      return;
    }
    const pgid = child.pid;
    let timedOut = false;
    let settled = false;
    let exited: { code: number | null; signal: string | null } | undefined;
    let spawnError: string | undefined;
    let grace: ReturnType<typeof setTimeout> | undefined;
    let drain: ReturnType<typeof setTimeout> | undefined;
    const timer = o.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      if ((o.graceMs ?? 0) <= 0) {
        killGroup(pgid, "SIGKILL");
        return;
      }
      killGroup(pgid, "SIGTERM");
      grace = setTimeout(() => killGroup(pgid, "SIGKILL"), o.graceMs);
    }, Math.min(Math.max(0, o.timeoutMs), MAX_TIMER_MS));
    const settle = () => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if (grace) clearTimeout(grace);
      if (drain) clearTimeout(drain);
      // Whatever still holds the pipes is not waited for.
      child.stdout?.destroy();
      child.stderr?.destroy();
      if (spawnError && (!exited || (exited.code === null && exited.signal === null))) {
        resolve({ code: 127, signal: null, timedOut, spawnError });
        return;
      }
      resolve({ code: exited?.code ?? null, signal: exited?.signal ?? null, timedOut, spawnError });
    };
    if (o.onOutput) {
      child.stdout?.on("data", o.onOutput);
      child.stderr?.on("data", o.onOutput);
    }
    child.on("error", (e) => {
      spawnError = e.message;
      // A child that never started gets no exit event.
      if (pgid === undefined) settle();
    });
    child.on("exit", (code, signal) => {
      exited = { code, signal };
      // Past the limit, or when asked, nothing of the group outlives its leader.
      if (timedOut || o.killLeftovers) killGroup(pgid, "SIGKILL");
      if (o.stdio !== "pipe") return settle();
      drain = setTimeout(settle, o.drainMs ?? 1000);
    });
    child.on("close", () => {
      if (exited) settle();
    });
  });
}
