/**
 * One command on an open login: an exec channel (several may run at once
 * on one connection), its output streamed line by line, its end told in
 * the terms of RunResult as OpenSSH's client reports it, so the layers
 * above cannot tell the two transports apart. A time limit or an abort
 * sends the remote command TERM and closes the channel.
 */
import type { Client, ClientChannel } from "ssh2";
import { lineSplitter, type RunOptions, type RunResult } from "../../process/run.ts";
import { shellQuoteArgv } from "../../shared/shell_quote.ts";

/** The login a command runs on (a Link): its connection, and why it was lost if it was. */
export interface ExecVia {
  readonly client: Pick<Client, "exec"> | undefined;
  readonly lost?: string;
}

/** How a command ended, as the channel told it. */
export interface CommandEnd {
  /** The remote exit status; null when there was none. */
  code: number | null;
  /** The signal that killed the remote command. */
  remoteSignal?: string;
  /** Ended by the time limit or the abort signal. */
  killed: boolean;
  timedOut: boolean;
  /** Why the command ended without its own status (not started, connection gone), for stderr. */
  why?: string;
  stdout: string;
  stderr: string;
}

/** The RunResult of an ended command, as OpenSSH's client reports it (pure; tested). */
export function commandResult(label: readonly string[], end: CommandEnd): RunResult {
  let stderr = end.stderr;
  if (end.why) stderr += `${end.why}\n`;
  // ssh exits 255 when the connection fails, and also when the remote
  // command was killed by a signal (it gets no exit status).
  if (end.remoteSignal) stderr += `remote command killed by signal ${end.remoteSignal}\n`;
  return {
    argv: label,
    code: end.killed ? null : end.code ?? 255,
    signal: end.killed ? "SIGTERM" : null,
    stdout: end.stdout,
    stderr,
    timedOut: end.timedOut,
  };
}

/** Run `argv` (quoted once for the remote shell) on `via`; never rejects. */
export function execute(
  via: ExecVia,
  argv: readonly string[],
  options: RunOptions,
  label: readonly string[],
): Promise<RunResult> {
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const out = lineSplitter(options.onStdoutLine);
    const err = lineSplitter(options.onStderrLine);
    let code: number | null = null;
    let remoteSignal: string | undefined;
    let finished = false;
    const finish = (why?: string) => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      out.flush();
      err.flush();
      const killed = timedOut || options.signal?.aborted === true;
      resolve(
        commandResult(label, { code, remoteSignal, killed, timedOut, why, stdout, stderr }),
      );
    };
    let channel: ClientChannel | undefined;
    const stop = () => {
      channel?.signal("TERM");
      channel?.close();
      finish();
    };
    const onAbort = () => stop();
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      stop();
    }, Math.min(options.timeoutMs, 2 ** 31 - 1));
    options.signal?.addEventListener("abort", onAbort);
    const client = via.client;
    if (!client || via.lost) return finish(via.lost ?? "not connected");
    try {
      client.exec(shellQuoteArgv(argv), (e, stream) => {
        if (e) return finish(`cannot start the command: ${e.message}`);
        if (finished) return stream.close();
        channel = stream;
        stream.setEncoding("utf8");
        stream.stderr.setEncoding("utf8");
        stream.on("data", (chunk: string) => {
          stdout += chunk;
          out.push(chunk);
        });
        stream.stderr.on("data", (chunk: string) => {
          stderr += chunk;
          err.push(chunk);
        });
        stream.on("exit", (c: number | null, signal?: string) => {
          if (typeof c === "number") code = c;
          else if (signal) remoteSignal = signal;
        });
        stream.on(
          "close",
          () =>
            finish(
              code === null && !remoteSignal
                ? (via.lost ?? "the connection closed before the command ended")
                : undefined,
            ),
        );
        stream.on("error", () => {});
        stream.end(options.input ?? undefined);
      });
    } catch (e) {
      finish((e as Error).message);
    }
  });
}
