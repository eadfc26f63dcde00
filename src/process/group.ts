/**
 * Running a command in a process group of its own, with a limit. At the
 * limit the whole group goes (TERM, then KILL after a grace), not only the
 * direct child: a grandchild (`sh -c "a | b"`) must not outlive it, nor keep
 * its output pipes open. The result never waits on those pipes for longer
 * than `drainMs` after the leader exited, so nothing left holding them can
 * hold the caller.
 *
 * On Deno's own APIs (Deno.Command): only the helper runs commands this way,
 * always under Deno, and a `node:` module would cost every helper start the
 * set-up of Deno's Node compatibility (see runtime.ts).
 */

export interface GroupOptions {
  cwd?: string;
  /** The child's whole environment; unset: this process's. */
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
  onOutput?: (chunk: Uint8Array) => void;
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
export function killGroup(pgid: number | undefined, signal: Deno.Signal): boolean {
  if (pgid === undefined || pgid <= 0) return false;
  try {
    Deno.kill(-pgid, signal);
    return true;
  } catch {
    // The group is already gone.
    return false;
  }
}

/** Read a stream to its end (or until its reader is cancelled), handing each chunk on. */
async function pump(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  onChunk: ((chunk: Uint8Array) => void) | undefined,
): Promise<void> {
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      onChunk?.(value);
    }
  } catch {
    // Cancelled: whatever still holds the pipe is not waited for.
  }
}

export async function runInGroup(argv: readonly string[], o: GroupOptions): Promise<GroupRun> {
  const stdio = o.stdio === "pipe" ? "piped" : "inherit";
  const env = o.env === undefined ? undefined : Object.fromEntries(
    Object.entries(o.env).filter((e): e is [string, string] => e[1] !== undefined),
  );
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      cwd: o.cwd,
      ...(env === undefined ? {} : { env, clearEnv: true }),
      stdin: "null",
      stdout: stdio,
      stderr: stdio,
      // setsid(): the child leads a new session and process group.
      detached: true,
    }).spawn();
  } catch (e) {
    return { code: 127, signal: null, timedOut: false, spawnError: (e as Error).message };
  }
  const pgid = child.pid;
  let timedOut = false;
  let grace: ReturnType<typeof setTimeout> | undefined;
  const timer = o.timeoutMs === undefined ? undefined : setTimeout(() => {
    timedOut = true;
    if ((o.graceMs ?? 0) <= 0) {
      killGroup(pgid, "SIGKILL");
      return;
    }
    killGroup(pgid, "SIGTERM");
    grace = setTimeout(() => killGroup(pgid, "SIGKILL"), o.graceMs);
  }, Math.min(Math.max(0, o.timeoutMs), MAX_TIMER_MS));
  const readers = o.stdio === "pipe" ? [child.stdout.getReader(), child.stderr.getReader()] : [];
  const pipes = Promise.all(readers.map((r) => pump(r, o.onOutput)));
  const status = await child.status;
  // Past the limit, or when asked, nothing of the group outlives its leader.
  if (timedOut || o.killLeftovers) killGroup(pgid, "SIGKILL");
  if (readers.length > 0) {
    let drain: ReturnType<typeof setTimeout> | undefined;
    const drained = await Promise.race([
      pipes.then(() => true),
      new Promise<boolean>((r) => drain = setTimeout(() => r(false), o.drainMs ?? 1000)),
    ]);
    clearTimeout(drain);
    if (!drained) {
      // Whatever still holds the pipes is not waited for.
      for (const r of readers) r.cancel().catch(() => {});
    }
  }
  if (timer) clearTimeout(timer);
  if (grace) clearTimeout(grace);
  return status.signal
    ? { code: null, signal: status.signal, timedOut }
    : { code: status.code, signal: null, timedOut };
}
