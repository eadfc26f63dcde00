/**
 * colmena's flags: `--on` (every command that selects nodes) and `deploy
 * exec`'s own, as parsed (program.ts gives exec the words after `--`).
 */
import { InvalidArgumentError, Option } from "commander";
import { UsageError } from "../shared/errors.ts";
import { type NodePattern, parseNodePatterns } from "../config/node_selector.ts";
import type { DeployFlags } from "./flags.ts";

/** `--on web-*,@db`: of the targets' nodes, those a name, a glob or a tag selects. */
export function onOption(): Option {
  return new Option(
    "--on <nodes>",
    "only these of the targets' nodes: names, globs ('web-*', ? one character) and @tags, comma-separated",
  ).argParser(parseOn);
}

/** `--on`, with its own message in commander's words. */
function parseOn(value: string): NodePattern[] {
  try {
    return parseNodePatterns(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message.replace(/^--on:? /, ""));
  }
}

/** `deploy exec --as USER`. */
export function asOption(): Option {
  return new Option("--as <user>", "run the command as USER, through the node's sudo setting");
}

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
