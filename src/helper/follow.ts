/**
 * Following a run from an SSH session: the run's log and phases as events
 * on stdout, until the outcome is final. `activate` follows the run it
 * started; `wait` reattaches to one, after a dropped connection for example.
 * The worker enforces activationTimeout and confirmTimeout itself, so the
 * follower waits for its outcome; when the run's status cannot say it (a
 * full disk, a removed run directory), the host's record does.
 */
import { writeStdout } from "../process/runtime.ts";
import { pidAlive as alive } from "./lock.ts";
import { encodeEvent, type HelperEvent, type RunStatus } from "../wire/protocol.ts";
import { helperSucceeded } from "../shared/vocabulary.ts";
import { readRecords } from "./record.ts";
import type { RunDir } from "./run_dir.ts";

export interface FollowOptions {
  /** Give up if the worker has not written a status after this long (it failed to start). */
  startTimeoutMs?: number;
  pollMs?: number;
}

/** The run's outcome as the host recorded it beside the profile, if it did. */
function recordedOutcome(
  profilePath: string | undefined,
  run: RunDir,
  last: RunStatus | undefined,
): Extract<HelperEvent, { type: "outcome" }> | undefined {
  if (!profilePath) return undefined;
  const r = readRecords(profilePath).findLast((r) => r.runDir === run.path);
  if (!r) return undefined;
  const ok = helperSucceeded(r.outcome);
  const status: RunStatus = {
    ...(last ?? { pid: 0, startedAt: 0, closure: r.closure }),
    phase: "done",
    profilePath,
    outcome: r.outcome,
    message: r.message,
    previousGeneration: r.previousGeneration,
    newGeneration: r.newGeneration,
    activeGeneration: r.activeGeneration,
    updatedAt: Date.parse(r.time),
  };
  return { type: "outcome", outcome: r.outcome, ok, message: r.message, status };
}

/** Stream a run's events until its outcome; resolves to the exit code. */
export async function followRun(
  run: RunDir,
  emit: (event: HelperEvent) => void,
  options: FollowOptions = {},
): Promise<number> {
  // Monotonic: a clock step must not end the wait early.
  const started = performance.now();
  const pollMs = options.pollMs ?? 100;
  const log = new LogTail(run.logPath, (line) => emit({ type: "log", line }));
  let lastPhase: string | undefined;
  let last: RunStatus | undefined;
  let profilePath: string | undefined;
  try {
    profilePath = run.readJob().profilePath;
  } catch {
    // The status names it once the worker runs.
  }
  try {
    while (true) {
      log.read();
      const status = run.readStatus();
      if (status) {
        last = status;
        profilePath ??= status.profilePath;
      }
      if (status && status.phase !== lastPhase) {
        lastPhase = status.phase;
        emit({ type: "phase", phase: status.phase, status });
      }
      if (status?.outcome) {
        log.read(true);
        const ok = helperSucceeded(status.outcome);
        emit({
          type: "outcome",
          outcome: status.outcome,
          ok,
          message: status.message ?? "",
          status,
        });
        return ok ? 0 : 1;
      }
      const died = last
        ? !alive(last.pid)
        : performance.now() - started > (options.startTimeoutMs ?? 15000);
      // The status may be unwritable or gone: then the record beside the profile tells.
      const recorded = !status || died ? recordedOutcome(profilePath, run, last) : undefined;
      if (recorded) {
        log.read(true);
        emit(recorded);
        return recorded.ok ? 0 : 1;
      }
      if (died && !run.readStatus()?.outcome) {
        log.read(true);
        return lost(
          emit,
          last,
          run,
          "the helper's worker died without recording an outcome; the next helper run on this profile rolls it back",
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
  #file: Deno.FsFile | undefined;
  #partial = "";
  readonly #decoder = new TextDecoder();

  constructor(readonly path: string, readonly onLine: (line: string) => void) {}

  read(final = false): void {
    if (this.#file === undefined) {
      try {
        this.#file = Deno.openSync(this.path, { read: true });
      } catch {
        return;
      }
    }
    const buf = new Uint8Array(65536);
    while (true) {
      const n = this.#file.readSync(buf);
      if (n === null || n <= 0) break;
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
    this.#file?.close();
  }
}

export function writeEvent(event: HelperEvent): void {
  writeStdout(encodeEvent(event));
}
