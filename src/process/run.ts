/**
 * The one wrapper around child processes. Every external command deploy-ts
 * runs (nix, ssh, sudo, the activation entry) goes through `run`, as an argv
 * array: nothing is ever handed to a local shell.
 */
import { spawn } from "node:child_process";
import process from "node:process";
import type { ErrorContext } from "../shared/errors.ts";
import { onInterrupt } from "./cleanup.ts";
import { commandFailed } from "./command_failure.ts";

// Kept here for the deployer's modules; in their own file so that the
// helper (under Deno, without node: modules) can use them too.
export { commandFailed, lastLines } from "./command_failure.ts";

export interface RunOptions {
  cwd?: string;
  /** Variables to set (a string) or remove (undefined) on top of this process's environment. */
  env?: Record<string, string | undefined>;
  /** Written to the child's stdin, which is then closed. Without it stdin is /dev/null. */
  input?: string;
  /** Give the child this process's stdout and stderr instead of capturing them. */
  inherit?: boolean;
  /**
   * How stdout is decoded: UTF-8 text by default; "latin1" keeps every byte
   * as one character (Buffer.from(stdout, "latin1") gives the bytes back).
   */
  stdoutEncoding?: "utf8" | "latin1";
  /** Called with each complete line of stdout / stderr as it arrives. */
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  /**
   * Kill the child (SIGTERM, then SIGKILL) after this many milliseconds, on
   * the monotonic clock (timers do not follow the wall clock).
   */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * End the command (SIGTERM) when the deployer is interrupted (SIGINT or
   * SIGTERM sent to it alone; a terminal's Ctrl-C reaches the command too).
   */
  killOnInterrupt?: boolean;
  /** End the command once its stdout is longer than this (characters); `overflowed` says so. */
  maxStdout?: number;
  /** Named in the error when the command fails. */
  context?: ErrorContext;
}

export interface RunResult {
  argv: readonly string[];
  /** Exit code, or null when the child was killed by a signal. */
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Ended because its stdout passed `maxStdout` (what was read is cut there). */
  overflowed?: boolean;
}

/** Longer timers fire at once (they overflow to 1 ms): longer limits are this one. */
const MAX_TIMER_MS = 2 ** 31 - 1;

type CommandObserver = (argv: readonly string[], options: RunOptions) => void;
let observer: CommandObserver | undefined;

/** Watch every command before it starts (for `--debug-logs`). */
export function observeCommands(fn: CommandObserver | undefined): void {
  observer = fn;
}

/** Run a command to completion. Never throws for a non-zero exit; see {@link runChecked}. */
export function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  if (argv.length === 0) throw new Error("run: empty argv");
  observer?.(argv, options);
  return new Promise((resolve) => {
    const env = mergeEnv(options.env);
    const child = spawn(argv[0], argv.slice(1), {
      cwd: options.cwd,
      env,
      stdio: [
        options.input === undefined ? "ignore" : "pipe",
        options.inherit ? "inherit" : "pipe",
        options.inherit ? "inherit" : "pipe",
      ],
      signal: options.signal,
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    let overflowed = false;
    const out = lineSplitter(options.onStdoutLine);
    const err = lineSplitter(options.onStderrLine);
    child.stdout?.setEncoding(options.stdoutEncoding ?? "utf8").on("data", (chunk: string) => {
      if (overflowed) return;
      stdout += chunk;
      if (options.maxStdout !== undefined && stdout.length > options.maxStdout) {
        overflowed = true;
        stdout = stdout.slice(0, options.maxStdout);
        end();
      }
      out.push(chunk);
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      err.push(chunk);
    });
    if (options.input !== undefined) {
      child.stdin!.on("error", () => {/* the child may exit without reading */});
      child.stdin!.end(options.input);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    let ended = false;
    const end = () => {
      ended = true;
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 2000).unref();
    };
    if (options.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        end();
      }, Math.min(options.timeoutMs, MAX_TIMER_MS));
    }
    const unregister = options.killOnInterrupt
      ? onInterrupt(() => Promise.resolve(end()))
      : undefined;
    // Ended by us: a child of its own (`sh -c 'sleep …'`) may still hold the output
    // open, and waiting for it would undo the bound.
    child.on("exit", () => {
      if (!ended) return;
      child.stdout?.destroy();
      child.stderr?.destroy();
    });
    let spawnError: Error | undefined;
    child.on("error", (e) => {
      spawnError = e;
    });
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      unregister?.();
      out.flush();
      err.flush();
      if (spawnError && code === null && signal === null) {
        stderr += `${spawnError.message}\n`;
        resolve({ argv, code: 127, signal: null, stdout, stderr, timedOut });
        return;
      }
      resolve({
        argv,
        code,
        signal,
        stdout,
        stderr,
        timedOut,
        ...(overflowed ? { overflowed } : {}),
      });
    });
  });
}

/** Run a command and throw a {@link CommandError} (with the stderr tail) unless it exits 0. */
export async function runChecked(
  argv: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const result = await run(argv, options);
  if (result.code !== 0) throw commandFailed(result, options.context);
  return result;
}

function mergeEnv(overrides: RunOptions["env"]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // Sudo passwords are never inherited (see ui/password.ts); a caller may still pass one on.
    if (v !== undefined && !k.startsWith("DEPLOY_TS_SUDO_PASSWORD")) env[k] = v;
  }
  for (const [k, v] of Object.entries(overrides ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Cuts a stream's chunks into lines for a line callback (the last partial line on flush). */
export function lineSplitter(onLine: ((line: string) => void) | undefined) {
  let partial = "";
  return {
    push(chunk: string) {
      if (!onLine) return;
      partial += chunk;
      const lines = partial.split("\n");
      partial = lines.pop()!;
      for (const line of lines) onLine(line);
    },
    flush() {
      if (onLine && partial !== "") onLine(partial);
      partial = "";
    },
  };
}
