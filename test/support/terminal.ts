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
 * Resizes of the terminal during a run, one dimension at a time (stty sets
 * each with its own ioctl: two at once would be two resizes, racing), a
 * second apart, the first once `after` exists.
 */
export interface Resizes {
  after: string;
  steps: ({ cols: number } | { rows: number })[];
}

/**
 * `deploy ARGS…` in a pseudo-terminal in `cwd`. The environment is this
 * one without NO_COLOR (scripts/test sets it) plus `env`. Whenever `prompt`
 * appears, `answer` is typed. `size`: the terminal's columns and rows
 * (script(1) run without a terminal of its own makes one of none);
 * `resizes`: changes of it during the run (the deployer gets SIGWINCH).
 */
export async function inTerminal(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
  reply?: { prompt: RegExp; answer: string },
  o: { size?: TerminalSize; resizes?: Resizes } = {},
): Promise<TerminalRun> {
  const { NO_COLOR: _, ...inherited } = Deno.env.toObject();
  const deploy = shellQuoteArgv(cliArgv(args));
  const command = o.size || o.resizes
    ? [
      o.size ? `stty cols ${o.size.cols} rows ${o.size.rows} || exit 1; ` : "",
      o.resizes ? `${resizeJob(o.resizes)} & ` : "",
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

/** The shell job that resizes the terminal, in the background of the deployer. */
function resizeJob(r: Resizes): string {
  // A background job's standard input is /dev/null: the terminal is named.
  const steps = r.steps.map((s) =>
    "cols" in s ? `stty cols ${s.cols} </dev/tty` : `stty rows ${s.rows} </dev/tty`
  );
  // At most a minute of waiting: the job holds the terminal open, script(1) waits for it.
  const wait = `i=0; while [ ! -e ${shellQuoteArgv([r.after])} ] && [ $i -lt 600 ]; do ` +
    `sleep 0.1; i=$((i+1)); done`;
  return `{ ${wait}; ${steps.join("; sleep 1; ")}; }`;
}
