/**
 * What a failed command says: its argv, how it ended and the tail of its
 * stderr, one message for every command deploy-ts runs (run.ts, and the
 * helper's own commands on Deno).
 */
import { CommandError, type ErrorContext } from "../shared/errors.ts";

/** What a failure message needs of a finished command (run.ts's RunResult has it). */
export interface FinishedCommand {
  argv: readonly string[];
  /** Exit code, or null when the child was killed by a signal. */
  code: number | null;
  signal: string | null;
  stderr: string;
  timedOut: boolean;
}

/** A {@link CommandError} describing a failed result. */
export function commandFailed(result: FinishedCommand, context: ErrorContext = {}): CommandError {
  const how = result.timedOut
    ? "timed out"
    : result.code === null
    ? `was killed by ${result.signal}`
    : `exited with code ${result.code}`;
  const tail = lastLines(result.stderr, 20);
  const message = `\`${result.argv.join(" ")}\` ${how}${tail ? `:\n${tail}` : ""}`;
  return new CommandError(message, result.argv, result.code, result.stderr, context);
}

/** The last `n` non-empty lines of some output. */
export function lastLines(text: string, n: number): string {
  // ssh ends its lines with \r\n when it has a terminal: the \r is no part of the message.
  return text.split("\n").map((l) => l.replace(/\r+$/, "")).filter((l) => l.trim() !== "")
    .slice(-n).join("\n");
}
