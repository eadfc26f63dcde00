/**
 * Running the deployer in a pseudo-terminal, through script(1), as a person
 * at a terminal would: for the live view and for hidden password prompts.
 */
import { spawn } from "node:child_process";
import { shellQuoteArgv } from "../../src/shared/shell_quote.ts";
import { cliArgv } from "./cli.ts";

export interface TerminalRun {
  code: number;
  /** Everything drawn on the terminal. */
  out: string;
  /** How many times `answer` was typed. */
  answered: number;
}

/** The terminal's columns and rows. */
export interface TerminalSize {
  cols: number;
  rows: number;
}

/**
 * `deploy ARGS…` in a pseudo-terminal in `cwd`. The environment is this
 * one without NO_COLOR (scripts/test sets it) plus `env`. Whenever `prompt`
 * appears, `answer` is typed. `size`: the terminal's columns and rows
 * (script(1) run without a terminal of its own makes one of none); `resize`:
 * changed to that size `afterSeconds` in (the deployer gets SIGWINCH).
 */
export async function inTerminal(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
  reply?: { prompt: RegExp; answer: string },
  o: { size?: TerminalSize; resize?: TerminalSize & { afterSeconds: number } } = {},
): Promise<TerminalRun> {
  const { NO_COLOR: _, ...inherited } = Deno.env.toObject();
  const stty = (s: TerminalSize) => `stty cols ${s.cols} rows ${s.rows}`;
  const deploy = shellQuoteArgv(cliArgv(args));
  const command = o.size || o.resize
    ? [
      o.size ? `${stty(o.size)} || exit 1; ` : "",
      // A background job's standard input is /dev/null: the terminal is named.
      o.resize ? `{ sleep ${o.resize.afterSeconds}; ${stty(o.resize)} </dev/tty; } & ` : "",
      `exec ${deploy}`,
    ].join("")
    : deploy;
  const child = spawn("script", ["-qfec", command, "/dev/null"], {
    cwd,
    env: { ...inherited, TERM: "xterm", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let answered = 0;
  child.stdout.setEncoding("utf8").on("data", (c: string) => {
    out += c;
    if (!reply) return;
    const seen = (out.match(new RegExp(reply.prompt.source, "g")) ?? []).length;
    while (answered < seen) {
      answered++;
      child.stdin.write(`${reply.answer}\r`);
    }
  });
  const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? 1)));
  return { code, out, answered };
}
