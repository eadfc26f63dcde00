/**
 * The helper's command line, written once: one typed request per helper
 * subcommand, each encoded to argv by the deployer and decoded from argv on
 * the host by the same option table. Imported by both sides, as protocol.ts
 * is; it stays light (no zod, no commander) because the helper runs on every
 * host for every profile.
 *
 * Values are separate argv words (the deployer quotes them once for the SSH
 * user's shell), so an option that takes a value always takes the next word,
 * even one starting with "-".
 *
 * Values other local users must not read (health-check commands, which may
 * hold credentials) never ride on argv, which `ps` shows to everyone on both
 * sides: they travel as one request line on stdin (`private` rows, see
 * REQUEST_LINE_TAG), which the helper reads itself, one byte at a time.
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
type ValueKind = "string" | "seconds" | "generation" | "generation-or-none";

/** One row of an option table: a field of the request and how the command line spells it. */
type OptionSpec =
  | { kind: "positional"; what: string }
  | { kind: "profile" | "goal" }
  | { kind: "flag"; flag: string }
  | { kind: "private"; required?: true }
  | { kind: ValueKind; flag: string; required?: true; default?: string | number | null };

type OptionTable = Record<string, OptionSpec>;

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

/** `-d`/`--debug-logs` and `--log-dir DIR` (deploy-rs's activate-rs flags) are accepted and ignored. */
const IGNORED = new Map([["debug-logs", { value: false }], ["log-dir", { value: true }]]);
const SHORT = new Map([["d", "debug-logs"]]);

/** How each goal but switch (the default) is spelled; typed so that a new goal needs a flag here. */
const GOAL_FLAGS: Record<Exclude<ActivationGoal, "switch">, string> = {
  "dry-activate": "dry-activate",
  boot: "boot",
};
const GOALS = Object.entries(GOAL_FLAGS) as [Exclude<ActivationGoal, "switch">, string][];
const PROFILE_FLAGS = ["profile-path", "profile-user", "profile-name"] as const;

/** The flags a row reads, and whether each takes a value. */
function flagsOf(spec: OptionSpec): [string, { value: boolean }][] {
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

function describeKind(kind: ValueKind): string {
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

function encodeField(
  spec: Exclude<OptionSpec, { kind: "private" }>,
  value: unknown,
): string[] {
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

/** The command line split into options (by flag name) and positional words. */
interface Parsed {
  options: Map<string, string | true>;
  positionals: string[];
}

function parseWords(
  command: string,
  args: readonly string[],
  flags: Map<string, { value: boolean }>,
): Parsed {
  const parsed: Parsed = { options: new Map(), positionals: [] };
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
    const spec = name === undefined ? undefined : flags.get(name) ?? IGNORED.get(name);
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
    if (parsed.options.has(name!)) throw new UsageError(`--${name} is given more than once`);
    parsed.options.set(name!, value);
  }
  return parsed;
}

function decodeField(
  command: string,
  spec: Exclude<OptionSpec, { kind: "positional" | "private" }>,
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

/**
 * Starts the request line on stdin. A reader skips lines without it: with
 * interactive sudo, a password line that no sudo took (a rule that needs no
 * password after all) is dropped there, never kept or written anywhere.
 */
export const REQUEST_LINE_TAG = "deploy-ts-request ";

/** Encode and decode one subcommand's request from its option table. */
export interface RequestCodec<T extends OptionTable> {
  readonly command: string;
  readonly table: T;
  /** Whether the request has a line on stdin (a table with private rows). */
  readonly hasLine: boolean;
  /** The argv after the subcommand, in table order (private rows are not on it). */
  encode(request: Encodable<T>): string[];
  /** The stdin line of the private rows (tag, JSON, newline); undefined for a table without any. */
  encodeLine(request: Encodable<T>): string | undefined;
  /**
   * The request from the argv after the subcommand and the request line
   * (undefined: none came, as when stdin is empty); a UsageError naming the
   * option when wrong.
   */
  decode(args: readonly string[], line?: string): Decoded<T>;
}

function codec<const T extends OptionTable>(command: string, table: T): RequestCodec<T> {
  const fields = Object.entries(table);
  const onArgv = fields.filter(([, s]) => s.kind !== "private") as [
    string,
    Exclude<OptionSpec, { kind: "private" }>,
  ][];
  const onLine = fields.filter(([, s]) => s.kind === "private");
  const positionals = fields.filter(([, s]) => s.kind === "positional");
  const flags = new Map(fields.flatMap(([, s]) => flagsOf(s)));
  const takes = positionals.length === 0
    ? "no positional arguments"
    : `${positionals.map(([, s]) => `one ${(s as { what: string }).what}`).join(" and ")}`;
  const decodeLine = (line: string | undefined): Record<string, unknown> => {
    if (line === undefined) return {};
    let v: unknown;
    try {
      v = line.startsWith(REQUEST_LINE_TAG)
        ? JSON.parse(line.slice(REQUEST_LINE_TAG.length))
        : undefined;
    } catch {
      v = undefined;
    }
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
      throw new UsageError(`${command}: the request line on stdin is not what deploy-ts sends`);
    }
    for (const [key, value] of Object.entries(v)) {
      if (!onLine.some(([k]) => k === key) || typeof value !== "string") {
        throw new UsageError(`${command}: unknown or wrong field '${key}' in the request line`);
      }
    }
    return v as Record<string, unknown>;
  };
  return {
    command,
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
      const values = request as Record<string, unknown>;
      const line = Object.fromEntries(
        onLine.filter(([key]) => values[key] !== undefined).map(([key]) => [key, values[key]]),
      );
      // JSON has no raw newline: the line stays one line whatever the values hold.
      return `${REQUEST_LINE_TAG}${JSON.stringify(line)}\n`;
    },
    decode(args, line) {
      const parsed = parseWords(command, args, flags);
      if (parsed.positionals.length !== positionals.length) {
        throw new UsageError(
          `${command} takes ${takes}, got ${
            parsed.positionals.map((p) => `'${p}'`).join(" ") || "none"
          }`,
        );
      }
      const fromLine = decodeLine(line);
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

/** What each helper subcommand takes. */
export const REQUESTS = {
  /** Start an activation run and follow it; prints the run directory and a confirmation token first. */
  activate: codec("activate", {
    closure: { kind: "positional", what: "closure path" },
    profile: { kind: "profile" },
    tempPath: { kind: "string", flag: "temp-path", default: "/tmp" },
    confirmTimeout: { kind: "seconds", flag: "confirm-timeout", default: 30 },
    activationTimeout: { kind: "seconds", flag: "activation-timeout" },
    magicRollback: { kind: "flag", flag: "magic-rollback" },
    autoRollback: { kind: "flag", flag: "auto-rollback" },
    goal: { kind: "goal" },
    /** Switch to this existing generation (deploy rollback) instead of adding one. */
    generation: { kind: "generation", flag: "generation" },
    /** Who deploys, for the host's record; the SSH user and address when not given. */
    deployer: { kind: "string", flag: "deployer" },
    /**
     * Host-side health checks, JSON name → argv, that must pass before a
     * confirmation counts; on stdin, as they may hold credentials.
     */
    healthChecks: { kind: "private" },
    /** Given when the profile has health checks (either side): extends the confirmation window. */
    healthTimeout: { kind: "seconds", flag: "health-timeout" },
    healthInterval: { kind: "seconds", flag: "health-interval" },
  }),
  /** Follow a run again after the SSH session dropped. */
  wait: codec("wait", {
    runDir: { kind: "positional", what: "run directory" },
    // Accepted from older deployers; the worker enforces the job's own activationTimeout.
    activationTimeout: { kind: "seconds", flag: "activation-timeout" },
    tempPath: { kind: "string", flag: "temp-path" },
  }),
  /** Confirm a run over a fresh connection; the token comes on stdin. */
  confirm: codec("confirm", {
    runDir: { kind: "positional", what: "run directory" },
  }),
  /** Put a profile back on the generation it had before a run. */
  revoke: codec("revoke", {
    profile: { kind: "profile" },
    tempPath: { kind: "string", flag: "temp-path", default: "/tmp" },
    toGeneration: { kind: "generation-or-none", flag: "to-generation", required: true },
    /** Revoke only while the profile is on this generation; when not given, removeGeneration. */
    expectGeneration: { kind: "generation-or-none", flag: "expect-generation" },
    /** The generation the revoked run created, to delete. */
    removeGeneration: { kind: "generation-or-none", flag: "remove-generation", default: null },
    /** Re-activate the previous generation for the next boot rather than now. */
    boot: { kind: "flag", flag: "boot" },
    deployer: { kind: "string", flag: "deployer" },
    activationTimeout: { kind: "seconds", flag: "activation-timeout" },
  }),
  /** The profile's generations and the host's last record, as JSON. */
  query: codec("query", {
    profile: { kind: "profile" },
  }),
  /** Run host-side health checks once, as the profile's user; results as JSON. */
  "check-health": codec("check-health", {
    healthChecks: { kind: "private", required: true },
    healthTimeout: { kind: "seconds", flag: "health-timeout", default: 60 },
  }),
  /** Internal: the detached worker that carries out the job in a run directory (start.ts). */
  "run-job": codec("run-job", {
    runDir: { kind: "positional", what: "run directory" },
  }),
};

export type HelperCommand = keyof typeof REQUESTS;
/** The subcommands that run on a host, for the entry point's dispatch. */
export const HELPER_COMMANDS = Object.keys(REQUESTS) as readonly HelperCommand[];

type TableOf<C extends HelperCommand> = (typeof REQUESTS)[C]["table"];
/** The decoded request of a subcommand. */
export type RequestOf<C extends HelperCommand> = Decoded<TableOf<C>>;
/** What the deployer gives to encode a subcommand's request. */
export type RequestInput<C extends HelperCommand> = Encodable<TableOf<C>>;

export type ActivateRequest = RequestOf<"activate">;
export type WaitRequest = RequestOf<"wait">;
export type ConfirmRequest = RequestOf<"confirm">;
export type RevokeRequest = RequestOf<"revoke">;
export type QueryRequest = RequestOf<"query">;
export type CheckHealthRequest = RequestOf<"check-health">;
export type WorkerRequest = RequestOf<"run-job">;

/** A decoded helper command line: which subcommand, and its request. */
export type HelperRequest = { [C in HelperCommand]: { command: C; request: RequestOf<C> } }[
  HelperCommand
];

/** A helper call: `COMMAND ARGS…`, and the request line for its stdin when the command has one. */
export interface HelperCall<C extends HelperCommand = HelperCommand> {
  argv: [C, ...string[]];
  stdin?: string;
}

/** The helper call for a request: the only way argv (and stdin) for the helper is built. */
export function encodeCall<C extends HelperCommand>(
  command: C,
  input: RequestInput<C>,
): HelperCall<C> {
  const codec = REQUESTS[command] as unknown as RequestCodec<TableOf<C>>;
  const stdin = codec.encodeLine(input);
  return { argv: [command, ...codec.encode(input)], ...(stdin === undefined ? {} : { stdin }) };
}

/**
 * `COMMAND ARGS…` alone, for a call with nothing private in it; a request
 * that has a private value must go through encodeCall, so none is lost.
 */
export function encodeRequest<C extends HelperCommand>(
  command: C,
  input: RequestInput<C>,
): [C, ...string[]] {
  const { argv, stdin } = encodeCall(command, input);
  if (stdin !== undefined && stdin !== `${REQUEST_LINE_TAG}{}\n`) {
    throw new Error(`deploy ${command}: a private value needs encodeCall (stdin)`);
  }
  return argv;
}

/** Whether a command reads its request line from stdin. */
export function readsRequestLine(command: string): boolean {
  return (HELPER_COMMANDS as readonly string[]).includes(command) &&
    REQUESTS[command as HelperCommand].hasLine;
}

/** The helper's argv (subcommand first), with its stdin request line, as a typed request. */
export function decodeRequest(argv: readonly string[], line?: string): HelperRequest {
  const [command, ...args] = argv;
  if (!(HELPER_COMMANDS as readonly string[]).includes(command)) {
    throw new UsageError(`unknown helper command '${command}'`);
  }
  const c = command as HelperCommand;
  return { command: c, request: REQUESTS[c].decode(args, line) } as HelperRequest;
}
