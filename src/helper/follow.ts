/**
 * Following a run from an SSH session: the run's log and phases as events
 * on stdout, until the outcome is final. `activate` follows the run it
 * started; `wait` reattaches to one, after a dropped connection for example.
 */
import { closeSync, openSync, readSync } from "node:fs";
import process from "node:process";
import { encodeEvent, type HelperEvent, type RunStatus, SUCCESSFUL_OUTCOMES } from "./protocol.ts";
import type { RunDir } from "./run_dir.ts";

export interface FollowOptions {
  /** Give up (the run goes on) if the activation has not finished after this many seconds. */
  activationTimeout?: number;
  /** Give up if the worker has not written a status after this long (it failed to start). */
  startTimeoutMs?: number;
  pollMs?: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}

/** Stream a run's events until its outcome; resolves to the exit code. */
export async function followRun(
  run: RunDir,
  emit: (event: HelperEvent) => void,
  options: FollowOptions = {},
): Promise<number> {
  const started = Date.now();
  const pollMs = options.pollMs ?? 100;
  const log = new LogTail(run.logPath, (line) => emit({ type: "log", line }));
  let lastPhase: string | undefined;
  try {
    while (true) {
      log.read();
      const status = run.readStatus();
      if (status && status.phase !== lastPhase) {
        lastPhase = status.phase;
        emit({ type: "phase", phase: status.phase, status });
      }
      if (status?.outcome) {
        log.read(true);
        const ok = SUCCESSFUL_OUTCOMES.includes(status.outcome);
        emit({
          type: "outcome",
          outcome: status.outcome,
          ok,
          message: status.message ?? "",
          status,
        });
        return ok ? 0 : 1;
      }
      const died = status
        ? !alive(status.pid)
        : Date.now() - started > (options.startTimeoutMs ?? 15000);
      if (died && !run.readStatus()?.outcome) {
        log.read(true);
        return lost(emit, status, run, "the helper's worker died without recording an outcome");
      }
      const activating = !status || ["locking", "setting", "activating"].includes(status.phase);
      if (
        options.activationTimeout && activating &&
        Date.now() - started > options.activationTimeout * 1000
      ) {
        log.read(true);
        return lost(
          emit,
          status,
          run,
          `the activation did not finish within activationTimeout (${options.activationTimeout}s); it goes on on the host, and without confirmation it will roll back`,
        );
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  } finally {
    log.close();
  }
}

function lost(
  emit: (e: HelperEvent) => void,
  status: RunStatus | undefined,
  run: RunDir,
  message: string,
): number {
  const s: RunStatus = status ?? {
    phase: "starting",
    pid: 0,
    profilePath: "",
    closure: "",
    startedAt: Date.now(),
    updatedAt: Date.now(),
  };
  emit({
    type: "outcome",
    outcome: "failed",
    ok: false,
    message: `${message} (run ${run.path})`,
    status: s,
  });
  return 1;
}

/** Reads what was appended to a file since the last call, line by line. */
class LogTail {
  #fd: number | undefined;
  #offset = 0;
  #partial = "";
  readonly #decoder = new TextDecoder();

  constructor(readonly path: string, readonly onLine: (line: string) => void) {}

  read(final = false): void {
    if (this.#fd === undefined) {
      try {
        this.#fd = openSync(this.path, "r");
      } catch {
        return;
      }
    }
    const buf = new Uint8Array(65536);
    while (true) {
      const n = readSync(this.#fd, buf, 0, buf.length, this.#offset);
      if (n <= 0) break;
      this.#offset += n;
      this.#partial += this.#decoder.decode(buf.subarray(0, n), { stream: true });
    }
    const lines = this.#partial.split("\n");
    this.#partial = lines.pop()!;
    for (const line of lines) this.onLine(line);
    if (final && this.#partial) {
      this.onLine(this.#partial);
      this.#partial = "";
    }
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
  }
}

export function writeEvent(event: HelperEvent): void {
  process.stdout.write(encodeEvent(event));
}
