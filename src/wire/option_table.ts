/**
 * One row of a helper subcommand's option table: a field of its request,
 * the kind of value it carries, and how the command line spells it. The
 * deployer encodes each field with this file and the host decodes it with
 * the same row, so the two sides cannot spell an option differently. Each
 * row also says, in `help`, what it is for: the usage text is made from it
 * (usage.ts).
 */
import { UsageError } from "../shared/errors.ts";
import { type ActivationGoal, MAX_TIMEOUT_SECONDS } from "../shared/vocabulary.ts";

/** Which profile: an explicit path, or a user's profile by name (resolved on the host). */
export type ProfileRef = { path: string } | { user: string; name: string };

/** The value each kind of option carries. */
interface KindValues {
  /** A word without a flag (a closure path, a run directory). */
  positional: string;
  string: string;
  /** Whole seconds, 1 to MAX_TIMEOUT_SECONDS. */
  seconds: number;
  generation: number;
  /** A generation, or none (spelled `none`). */
  "generation-or-none": number | null;
  /** Present or not. */
  flag: boolean;
  /** `--dry-activate`, `--boot`, or neither (switch). */
  goal: ActivationGoal;
  /** `--profile-path P`, or `--profile-user U --profile-name N`. */
  profile: ProfileRef;
  /** A string carried in the request line on stdin, never on argv. */
  private: string;
}
type Kind = keyof KindValues;

/** Kinds spelled as one `--flag VALUE`. */
export type ValueKind = "string" | "seconds" | "generation" | "generation-or-none";

/**
 * One row of an option table: a field of the request and how the command
 * line spells it; `help` says what it is for, in the usage text. `metavar`
 * names the value there (a value row has one by kind when not given).
 */
export type OptionSpec =
  & { help: string }
  & (
    | { kind: "positional"; what: string; metavar: string }
    | { kind: "profile" | "goal" }
    | { kind: "flag"; flag: string }
    | { kind: "private"; required?: true }
    | {
      kind: ValueKind;
      flag: string;
      metavar?: string;
      required?: true;
      default?: string | number | null;
    }
  );

export type OptionTable = Record<string, OptionSpec>;

/** A row that is on argv (every kind but `private`). */
export type ArgvSpec = Exclude<OptionSpec, { kind: "private" }>;
/** A row spelled with flags (neither positional nor private). */
export type FlagSpec = Exclude<OptionSpec, { kind: "positional" | "private" }>;

/** Fields always present in a decoded request: required, defaulted, or with a natural "absent" value. */
type Present<S> = S extends { kind: "positional" | "profile" | "goal" | "flag" } ? true
  : S extends { required: true } | { default: unknown } ? true
  : false;
/** Fields the encoder must be given (the others have a default on the host). */
type Needed<S> = S extends { kind: "positional" | "profile" } | { required: true } ? true : false;

type Simplify<T> = { [K in keyof T]: T[K] } & unknown;
type ValueOf<S> = S extends { kind: infer K extends Kind } ? KindValues[K] : never;

/** What `decode` returns for a table. */
export type Decoded<T extends OptionTable> = Simplify<
  & { -readonly [K in keyof T as Present<T[K]> extends true ? K : never]: ValueOf<T[K]> }
  & { -readonly [K in keyof T as Present<T[K]> extends true ? never : K]?: ValueOf<T[K]> }
>;
/** What `encode` takes for a table: fields with a default on the host may be left out. */
export type Encodable<T extends OptionTable> = Simplify<
  & { -readonly [K in keyof T as Needed<T[K]> extends true ? K : never]: ValueOf<T[K]> }
  & { -readonly [K in keyof T as Needed<T[K]> extends true ? never : K]?: ValueOf<T[K]> }
>;

/** How each goal but switch (the default) is spelled; typed so that a new goal needs a flag here. */
const GOAL_FLAGS: Record<Exclude<ActivationGoal, "switch">, string> = {
  "dry-activate": "dry-activate",
  boot: "boot",
};
const GOALS = Object.entries(GOAL_FLAGS) as [Exclude<ActivationGoal, "switch">, string][];
const PROFILE_FLAGS = ["profile-path", "profile-user", "profile-name"] as const;

/** The flags a row reads, and whether each takes a value. */
export function flagsOf(spec: OptionSpec): [string, { value: boolean }][] {
  switch (spec.kind) {
    case "positional":
    case "private":
      return [];
    case "profile":
      return PROFILE_FLAGS.map((f) => [f, { value: true }]);
    case "goal":
      return GOALS.map(([, flag]) => [flag, { value: false }]);
    case "flag":
      return [[spec.flag, { value: false }]];
    default:
      return [[spec.flag, { value: true }]];
  }
}

/** What a value of this kind must be, for messages and the usage text. */
export function describeKind(kind: ValueKind): string {
  switch (kind) {
    case "string":
      return "a value";
    case "seconds":
      return `a whole number of seconds from 1 to ${MAX_TIMEOUT_SECONDS}`;
    case "generation":
      return "a generation number";
    case "generation-or-none":
      return "a generation number or 'none'";
  }
}

/** How a row is written in a synopsis: `--temp-path DIR`, `--dry-activate | --boot`, `CLOSURE`. */
export function syntaxOf(spec: ArgvSpec): string {
  switch (spec.kind) {
    case "positional":
      return spec.metavar;
    case "profile":
      return "--profile-path PATH | --profile-user USER --profile-name NAME";
    case "goal":
      return GOALS.map(([, flag]) => `--${flag}`).join(" | ");
    case "flag":
      return `--${spec.flag}`;
    default:
      return `--${spec.flag} ${spec.metavar ?? VALUE_METAVARS[spec.kind]}`;
  }
}

const VALUE_METAVARS: Record<ValueKind, string> = {
  string: "VALUE",
  seconds: "SECONDS",
  generation: "N",
  "generation-or-none": "N|none",
};

function encodeValue(kind: ValueKind, value: string | number | null): string {
  return kind === "generation-or-none" && value === null ? "none" : String(value);
}

function decodeValue(kind: ValueKind, flag: string, text: string): string | number | null {
  if (kind === "string") return text;
  if (kind === "generation-or-none" && text === "none") return null;
  const n = Number(text);
  const ok = /^[0-9]+$/.test(text) && Number.isSafeInteger(n) &&
    (kind !== "seconds" || (n >= 1 && n <= MAX_TIMEOUT_SECONDS));
  if (!ok) throw new UsageError(`--${flag} takes ${describeKind(kind)}, got '${text}'`);
  return n;
}

/** The argv words of one field's value. */
export function encodeField(spec: ArgvSpec, value: unknown): string[] {
  switch (spec.kind) {
    case "positional":
      return [value as string];
    case "profile": {
      const p = value as ProfileRef;
      return "path" in p
        ? ["--profile-path", p.path]
        : ["--profile-user", p.user, "--profile-name", p.name];
    }
    case "goal":
      return value === "switch"
        ? []
        : [`--${GOAL_FLAGS[value as Exclude<ActivationGoal, "switch">]}`];
    case "flag":
      return value ? [`--${spec.flag}`] : [];
    default:
      return [`--${spec.flag}`, encodeValue(spec.kind, value as string | number | null)];
  }
}

/** One field's value from the options given (by flag name); a UsageError naming the option when wrong. */
export function decodeField(
  command: string,
  spec: FlagSpec,
  options: Map<string, string | true>,
): unknown {
  switch (spec.kind) {
    case "profile": {
      const [path, user, name] = PROFILE_FLAGS.map((f) => options.get(f) as string | undefined);
      if (path !== undefined && (user !== undefined || name !== undefined)) {
        throw new UsageError("give either --profile-path or --profile-user with --profile-name");
      }
      if (path !== undefined) return { path };
      if (user === undefined || name === undefined) {
        throw new UsageError(
          "--profile-user and --profile-name go together (or give --profile-path)",
        );
      }
      return { user, name };
    }
    case "goal": {
      const given = GOALS.filter(([, flag]) => options.has(flag));
      if (given.length > 1) {
        throw new UsageError(
          `${given.map(([, flag]) => `--${flag}`).join(" and ")} cannot be used together`,
        );
      }
      return given[0]?.[0] ?? "switch";
    }
    case "flag":
      return options.has(spec.flag);
    default: {
      const text = options.get(spec.flag) as string | undefined;
      if (text !== undefined) return decodeValue(spec.kind, spec.flag, text);
      if (spec.required) {
        throw new UsageError(`${command} needs --${spec.flag} (${describeKind(spec.kind)})`);
      }
      return spec.default;
    }
  }
}
