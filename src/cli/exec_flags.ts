/** `deploy exec`'s own flags, as parsed (program.ts gives it the words after `--`). */
import { UsageError } from "../shared/errors.ts";
import type { DeployFlags } from "./flags.ts";

/** `deploy exec`: the command is everything after `--`. */
export function execFlags(
  o: Record<string, unknown>,
  command: string[],
): NonNullable<DeployFlags["exec"]> {
  if (command.length === 0 || command.every((w) => w.trim() === "")) {
    throw new UsageError(
      "deploy exec needs a command after --, e.g. deploy exec --on @web -- uptime",
    );
  }
  const as = o.as as string | undefined;
  if (as !== undefined && (as === "" || as.startsWith("-") || /\s/.test(as))) {
    throw new UsageError(`--as ${JSON.stringify(as)} is not a user name`);
  }
  return { command, ...(as === undefined ? {} : { as }) };
}
