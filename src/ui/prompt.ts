/** Questions to the person at the terminal. */
import { createInterface } from "node:readline";
import process from "node:process";

/** Whether an answer means yes: `y` or `yes`, in any case. Anything else is no. */
export function isYes(answer: string | undefined): boolean {
  return answer !== undefined && /^\s*y(es)?\s*$/i.test(answer);
}

/** Ask a yes/no question on stderr and read one line of stdin; end of input is no. */
export function askYesNo(question: string): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: false });
    let answered = false;
    process.stderr.write(`${question} [y/N] `);
    rl.once("line", (line) => {
      answered = true;
      rl.close();
      resolve(isYes(line));
    });
    rl.once("close", () => {
      if (!answered) resolve(false);
    });
  });
}
