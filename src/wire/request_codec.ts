/**
 * One helper subcommand's request, encoded and decoded by its option table:
 * the deployer builds argv (and the request line, for the private rows)
 * with `encode`, the host reads them back with `decode`, and the usage text
 * is made from the same rows (usage.ts).
 */
import { UsageError } from "../shared/errors.ts";
import { splitArgvWords } from "./argv_words.ts";
import {
  type ArgvSpec,
  type Decoded,
  decodeField,
  type Encodable,
  encodeField,
  flagsOf,
  type OptionTable,
} from "./option_table.ts";
import { decodeRequestLine, encodeRequestLine } from "./request_line_codec.ts";

/** What a subcommand is, for its usage text. */
export interface CommandAbout {
  /** What the command does, in a sentence or two (the usage's paragraph). */
  summary: string;
  /** What the command reads on stdin besides the request line's fields. */
  stdin?: string;
}

/** Encode and decode one subcommand's request from its option table. */
export interface RequestCodec<T extends OptionTable> {
  readonly command: string;
  readonly about: CommandAbout;
  readonly table: T;
  /** Whether the request has a line on stdin (a table with private rows). */
  readonly hasLine: boolean;
  /** The argv after the subcommand, in table order (private rows are not on it). */
  encode(request: Encodable<T>): string[];
  /** The stdin line of the private rows (tag, JSON, newline); undefined for a table without any. */
  encodeLine(request: Encodable<T>): string | undefined;
  /**
   * Whether the argv after the subcommand asks for the usage (`-h`,
   * `--help`); false for a command line that is wrong before that, which
   * `decode` then names.
   */
  wantsHelp(args: readonly string[]): boolean;
  /**
   * The request from the argv after the subcommand and the request line
   * (undefined: none came, as when stdin is empty); a UsageError naming the
   * option when wrong.
   */
  decode(args: readonly string[], line?: string): Decoded<T>;
}

/** The codec of a subcommand with this option table. */
export function defineRequest<const T extends OptionTable>(
  command: string,
  about: CommandAbout,
  table: T,
): RequestCodec<T> {
  const fields = Object.entries(table);
  const onArgv = fields.filter(([, s]) => s.kind !== "private") as [string, ArgvSpec][];
  const onLine = fields.filter(([, s]) => s.kind === "private").map(([key]) => key);
  const positionals = fields.flatMap(([, s]) => s.kind === "positional" ? [s] : []);
  const flags = new Map(fields.flatMap(([, s]) => flagsOf(s)));
  const takes = positionals.length === 0
    ? "no positional arguments"
    : `${positionals.map((s) => `one ${s.what}`).join(" and ")}`;
  return {
    command,
    about,
    table,
    hasLine: onLine.length > 0,
    encode(request) {
      const values = request as Record<string, unknown>;
      const words: string[] = [];
      const rest: string[] = [];
      for (const [key, spec] of onArgv) {
        if (values[key] === undefined) continue;
        // A positional word that looks like an option goes after `--`.
        const target = spec.kind === "positional" && String(values[key]).startsWith("-")
          ? rest
          : words;
        target.push(...encodeField(spec, values[key]));
      }
      return rest.length ? [...words, "--", ...rest] : words;
    },
    encodeLine(request) {
      if (onLine.length === 0) return undefined;
      const values = request as Record<string, string | undefined>;
      return encodeRequestLine(Object.fromEntries(onLine.map((key) => [key, values[key]])));
    },
    wantsHelp(args) {
      try {
        return splitArgvWords(command, args, flags).help;
      } catch {
        return false;
      }
    },
    decode(args, line) {
      const parsed = splitArgvWords(command, args, flags);
      if (parsed.positionals.length !== positionals.length) {
        throw new UsageError(
          `${command} takes ${takes}, got ${
            parsed.positionals.map((p) => `'${p}'`).join(" ") || "none"
          }`,
        );
      }
      const fromLine = decodeRequestLine(command, line, onLine);
      const request: Record<string, unknown> = {};
      let next = 0;
      for (const [key, spec] of fields) {
        let value: unknown;
        if (spec.kind === "positional") value = parsed.positionals[next++];
        else if (spec.kind === "private") {
          value = fromLine[key];
          if (value === undefined && spec.required) {
            throw new UsageError(`${command} needs ${key} in the request line on stdin`);
          }
        } else value = decodeField(command, spec, parsed.options);
        if (value !== undefined) request[key] = value;
      }
      return request as Decoded<T>;
    },
  };
}
