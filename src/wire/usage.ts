/**
 * Each helper subcommand's usage, made from its option table (requests.ts):
 * the synopsis, the paragraph and one line per option come from the rows
 * the codec decodes with, so the usage cannot drift from what the helper
 * accepts. `deploy COMMAND --help` prints it; so does nothing else by hand.
 */
import { ALWAYS_ACCEPTED } from "./argv_words.ts";
import { type OptionSpec, type OptionTable, syntaxOf } from "./option_table.ts";
import type { RequestCodec } from "./request_codec.ts";
import { REQUEST_LINE_TAG } from "./request_line_codec.ts";
import { HELPER_COMMANDS, type HelperCommand, REQUESTS } from "./requests.ts";

const WIDTH = 80;
/** Where an option's help starts. */
const HELP_COLUMN = 26;

/**
 * `words` joined into lines of at most WIDTH (a longer word stands alone),
 * the first line after `first`, the others after `indent`.
 */
function wrap(first: string, indent: string, words: readonly string[]): string[] {
  const lines: string[] = [];
  let line = first;
  let fresh = true;
  for (const word of words) {
    if (!fresh && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = indent + word;
    } else line += (fresh ? "" : " ") + word;
    fresh = false;
  }
  lines.push(line);
  return lines;
}

/** The words of a text, for wrap. */
function wordsOf(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

/** A synopsis word of a row: required rows as they are, the others in brackets. */
function synopsisWord(spec: OptionSpec): string | undefined {
  switch (spec.kind) {
    case "private":
      return undefined;
    case "positional":
      return syntaxOf(spec);
    case "profile":
      return `(${syntaxOf(spec)})`;
    default:
      return "required" in spec && spec.required ? syntaxOf(spec) : `[${syntaxOf(spec)}]`;
  }
}

/** An option's line (or lines): its syntax, then its help with the default. */
function optionLines(syntax: string, help: string): string[] {
  const start = `  ${syntax}`;
  const indent = " ".repeat(HELP_COLUMN);
  if (start.length + 2 > HELP_COLUMN) return [start, ...wrap(indent, indent, wordsOf(help))];
  return wrap(start.padEnd(HELP_COLUMN), indent, wordsOf(help));
}

function helpOf(spec: OptionSpec): string {
  const given = "default" in spec && spec.default !== undefined
    ? ` (default: ${spec.default === null ? "none" : spec.default})`
    : "";
  return spec.help + given;
}

/** The usage of one subcommand, from its codec. */
export function usageOf<T extends OptionTable>(codec: RequestCodec<T>): string {
  const rows = Object.entries(codec.table as OptionTable);
  const synopsis = rows.flatMap(([, spec]) => synopsisWord(spec) ?? []);
  const lines = wrap("", "         ", [`Usage: deploy ${codec.command}`, ...synopsis]);
  lines.push("", ...wrap("", "", wordsOf(codec.about.summary)));
  lines.push("", "Arguments and options:");
  for (const [, spec] of rows) {
    if (spec.kind !== "private") lines.push(...optionLines(syntaxOf(spec), helpOf(spec)));
  }
  for (const { syntax, help } of ALWAYS_ACCEPTED) lines.push(...optionLines(syntax, help));
  const onLine = rows.filter(([, spec]) => spec.kind === "private");
  if (codec.about.stdin || onLine.length) {
    const line = onLine.length ? `, \`${REQUEST_LINE_TAG}{JSON}\` on one line, with:` : "";
    const stdin = `On stdin: ${codec.about.stdin ?? "the request line"}${line}`;
    lines.push("", ...wrap("", "", wordsOf(stdin)));
    for (const [key, spec] of onLine) {
      const required = "required" in spec && spec.required ? " (required)" : "";
      lines.push(...optionLines(key + required, helpOf(spec)));
    }
  }
  return `${lines.join("\n")}\n`;
}

/** The usage of a helper subcommand. */
export function helperUsage(command: HelperCommand): string {
  return usageOf(REQUESTS[command] as unknown as RequestCodec<OptionTable>);
}

/**
 * The usage to print when the helper's argv (subcommand first) asks for it
 * with `-h` or `--help`; undefined when it does not. Looked at before
 * anything is read from stdin, so asking for help never waits on it.
 */
export function helpRequested(argv: readonly string[]): string | undefined {
  const [command, ...args] = argv;
  if (!(HELPER_COMMANDS as readonly string[]).includes(command)) return undefined;
  const c = command as HelperCommand;
  return REQUESTS[c].wantsHelp(args) ? helperUsage(c) : undefined;
}

/** The helper's subcommands, for the deployer's `--help`. */
export function helperCommandsText(): string {
  const text = `On a host, deploy runs as its own helper: ${HELPER_COMMANDS.join(", ")} ` +
    "(`deploy COMMAND --help` prints each one's usage).";
  return wrap("", "", wordsOf(text)).join("\n");
}
