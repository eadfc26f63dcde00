/**
 * A helper command line split into options and positional words, before
 * any option table gives them meaning. Values are separate argv words (the
 * deployer quotes them once for the SSH user's shell), so an option that
 * takes a value always takes the next word, even one starting with "-";
 * `--flag=value` is read too, as earlier deployers wrote it.
 */
import { UsageError } from "../shared/errors.ts";

/** `-d`/`--debug-logs` and `--log-dir DIR` (deploy-rs's activate-rs flags) are accepted and ignored. */
const IGNORED = new Map([["debug-logs", { value: false }], ["log-dir", { value: true }]]);
/** `-h`/`--help`: asks for the usage, whatever else is given. */
const HELP = new Map([["help", { value: false }]]);
const SHORT = new Map([["d", "debug-logs"], ["h", "help"]]);

/** The usage's words for what every helper command accepts besides its table. */
export const ALWAYS_ACCEPTED = [
  { syntax: "-h, --help", help: "print this usage and exit" },
  {
    syntax: "-d, --debug-logs, --log-dir DIR",
    help: "accepted and ignored (deploy-rs's activate-rs flags)",
  },
] as const;

/** The command line split into options (by flag name) and positional words. */
export interface ArgvWords {
  options: Map<string, string | true>;
  positionals: string[];
  /** `-h` or `--help` was given. */
  help: boolean;
}

/** Split `args` by the flags a table reads (each with whether it takes a value). */
export function splitArgvWords(
  command: string,
  args: readonly string[],
  flags: ReadonlyMap<string, { value: boolean }>,
): ArgvWords {
  const parsed: ArgvWords = { options: new Map(), positionals: [], help: false };
  for (let i = 0; i < args.length; i++) {
    const word = args[i];
    if (word === "--") {
      parsed.positionals.push(...args.slice(i + 1));
      break;
    }
    if (!word.startsWith("-") || word === "-") {
      parsed.positionals.push(word);
      continue;
    }
    const long = word.startsWith("--");
    const eq = word.indexOf("=");
    const name = long ? word.slice(2, eq < 0 ? undefined : eq) : SHORT.get(word.slice(1));
    const spec = name === undefined
      ? undefined
      : flags.get(name) ?? IGNORED.get(name) ?? HELP.get(name);
    if (!spec || (!long && word.length !== 2)) {
      throw new UsageError(`unknown option '${word}' for 'deploy ${command}'`);
    }
    let value: string | true = true;
    if (spec.value) {
      if (long && eq >= 0) value = word.slice(eq + 1);
      else if (i + 1 < args.length) value = args[++i];
      else throw new UsageError(`--${name} needs a value`);
    } else if (long && eq >= 0) {
      throw new UsageError(`--${name} takes no value, got '${word}'`);
    }
    if (name === "help") {
      parsed.help = true;
      continue;
    }
    if (parsed.options.has(name!)) throw new UsageError(`--${name} is given more than once`);
    parsed.options.set(name!, value);
  }
  return parsed;
}
