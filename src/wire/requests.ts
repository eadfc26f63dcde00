/**
 * The helper's command line, written once: one typed request per helper
 * subcommand, each encoded to argv by the deployer and decoded from argv on
 * the host by the same option table (request_codec.ts), whose rows also
 * make each subcommand's usage (usage.ts). Imported by both sides, as
 * protocol.ts is; it stays light (no zod, no commander) because the helper
 * runs on every host for every profile.
 *
 * Values other local users must not read (health-check commands, which may
 * hold credentials) never ride on argv, which `ps` shows to everyone on both
 * sides: they travel as one request line on stdin (`private` rows, see
 * request_line_codec.ts), which the helper reads itself, one byte at a time.
 */
import { UsageError } from "../shared/errors.ts";
import { defineRequest, type RequestCodec } from "./request_codec.ts";
import type { Decoded, Encodable } from "./option_table.ts";
import { REQUEST_LINE_TAG } from "./request_line_codec.ts";

export type { ProfileRef } from "./option_table.ts";
export { REQUEST_LINE_TAG } from "./request_line_codec.ts";

/** The profile a request is about (activate, revoke, query). */
const PROFILE_ROW = {
  kind: "profile",
  help:
    "the profile: by path, or a user's profile by name (resolved on the host as deploy-rs does)",
} as const;

/** Where a run's private directory is made (activate, revoke). */
const TEMP_PATH_ROW = {
  kind: "string",
  flag: "temp-path",
  metavar: "DIR",
  default: "/tmp",
  help: "where the run's private directory is made",
} as const;

/** What each helper subcommand takes, and what each option is for (the usage says it). */
export const REQUESTS = {
  activate: defineRequest("activate", {
    summary: "Start an activation run of CLOSURE and follow it to its outcome, as JSON lines on " +
      "stdout; the first names the run directory and the token that confirms the run.",
  }, {
    closure: {
      kind: "positional",
      what: "closure path",
      metavar: "CLOSURE",
      help: "the store path to activate",
    },
    profile: PROFILE_ROW,
    tempPath: TEMP_PATH_ROW,
    confirmTimeout: {
      kind: "seconds",
      flag: "confirm-timeout",
      default: 30,
      help: "with --magic-rollback: how long a new login has to confirm before the host rolls back",
    },
    activationTimeout: {
      kind: "seconds",
      flag: "activation-timeout",
      help: "how long the activation may run before it is killed and rolled back",
    },
    magicRollback: {
      kind: "flag",
      flag: "magic-rollback",
      help: "roll back unless the run is confirmed over a new connection",
    },
    autoRollback: {
      kind: "flag",
      flag: "auto-rollback",
      help: "roll back when the activation fails",
    },
    goal: {
      kind: "goal",
      help: "change nothing (dry activation), or set the profile for the next boot without " +
        "switching (without either: switch)",
    },
    generation: {
      kind: "generation",
      flag: "generation",
      help: "switch to this existing generation (deploy rollback) instead of adding one",
    },
    deployer: {
      kind: "string",
      flag: "deployer",
      metavar: "WHO",
      help: "who deploys, for the host's record (default: the SSH user and address)",
    },
    healthChecks: {
      kind: "private",
      help: "the host-side health checks, JSON name -> argv, that must pass before a " +
        "confirmation counts (never on argv: they may hold credentials)",
    },
    secrets: {
      kind: "private",
      help: "the profile's secrets, JSON list of where each goes and its value (base64), " +
        "written by the worker (never on argv)",
    },
    keepSecretBackups: {
      kind: "flag",
      flag: "keep-secret-backups",
      help: "keep what the secrets replaced after a confirmed run, for a revoke, until " +
        "drop-secret-backups (without it: deleted as soon as the outcome is final)",
    },
    healthTimeout: {
      kind: "seconds",
      flag: "health-timeout",
      help: "given when the profile has health checks (on either side): the seconds they may " +
        "take, added to the confirmation window",
    },
    healthInterval: {
      kind: "seconds",
      flag: "health-interval",
      help: "seconds between attempts of a failing host-side check (default: 2)",
    },
  }),
  wait: defineRequest("wait", {
    summary: "Follow a run again (after the SSH session dropped) to its outcome, as JSON lines.",
  }, {
    runDir: {
      kind: "positional",
      what: "run directory",
      metavar: "RUN_DIR",
      help: "the run directory that activate or revoke named",
    },
    // Accepted from older deployers; the worker enforces the job's own activationTimeout.
    activationTimeout: {
      kind: "seconds",
      flag: "activation-timeout",
      help: "accepted from older deployers and ignored: the run keeps its own",
    },
    tempPath: {
      kind: "string",
      flag: "temp-path",
      metavar: "DIR",
      help: "accepted from older deployers and ignored",
    },
  }),
  confirm: defineRequest("confirm", {
    summary: "Confirm a run by hand over a fresh connection, with the run's token: proves " +
      "that a new login reaches the host; exits 0 once the run is recorded confirmed.",
    stdin: "the run's token (its last line counts)",
  }, {
    runDir: {
      kind: "positional",
      what: "run directory",
      metavar: "RUN_DIR",
      help: "the run directory that activate named",
    },
  }),
  revoke: defineRequest("revoke", {
    summary: "Put a profile back on the generation it had before a run, and follow that to " +
      "its outcome, as JSON lines.",
  }, {
    profile: PROFILE_ROW,
    tempPath: TEMP_PATH_ROW,
    toGeneration: {
      kind: "generation-or-none",
      flag: "to-generation",
      required: true,
      help: "the generation to return to; none: the profile did not exist before, remove it",
    },
    expectGeneration: {
      kind: "generation-or-none",
      flag: "expect-generation",
      help: "revoke only while the profile is on this generation (default: --remove-generation)",
    },
    removeGeneration: {
      kind: "generation-or-none",
      flag: "remove-generation",
      default: null,
      help: "the generation the revoked run created, to delete",
    },
    boot: {
      kind: "flag",
      flag: "boot",
      help: "make the previous generation the boot default again rather than switch to it now",
    },
    deployer: {
      kind: "string",
      flag: "deployer",
      metavar: "WHO",
      help: "who revokes, for the host's record (default: the SSH user and address)",
    },
    activationTimeout: {
      kind: "seconds",
      flag: "activation-timeout",
      help: "how long re-activating the previous generation may run",
    },
  }),
  query: defineRequest("query", {
    summary: "Print the profile's generations and the host's last record, as JSON.",
  }, {
    profile: PROFILE_ROW,
  }),
  "check-health": defineRequest("check-health", {
    summary: "Run the host-side health checks once, now, as this user; prints the results as " +
      "JSON.",
  }, {
    healthChecks: {
      kind: "private",
      required: true,
      help: "the checks, JSON name -> argv (never on argv: they may hold credentials)",
    },
    healthTimeout: {
      kind: "seconds",
      flag: "health-timeout",
      default: 60,
      help: "how long each check may take",
    },
  }),
  "upload-secrets": defineRequest("upload-secrets", {
    summary: "Write secrets now, without activating anything (deploy secrets): each atomically " +
      "with its owner and mode, all or none, under the profile's lock (refused while it is " +
      "deployed); prints what was written as JSON.",
  }, {
    profile: PROFILE_ROW,
    tempPath: TEMP_PATH_ROW,
    secrets: {
      kind: "private",
      required: true,
      help: "the secrets, JSON list of where each goes and its value (base64; never on argv)",
    },
  }),
  "secret-status": defineRequest("secret-status", {
    summary: "Say of each secret whether it is present with its declared owner and mode, as JSON.",
  }, {
    secrets: {
      kind: "private",
      required: true,
      help: "the secrets, JSON list of where each goes, its owner and mode (no values)",
    },
  }),
  "drop-secret-backups": defineRequest("drop-secret-backups", {
    summary: "Delete what a confirmed run's secrets replaced (kept for a revoke with " +
      "--keep-secret-backups), once the deployment is over; prints the outcome as JSON.",
  }, {
    runDir: {
      kind: "positional",
      what: "run directory",
      metavar: "RUN_DIR",
      help: "the run directory that activate named",
    },
  }),
  "run-job": defineRequest("run-job", {
    summary: "Internal: the detached worker that carries out the job in a run directory; " +
      "started by activate and revoke.",
  }, {
    runDir: {
      kind: "positional",
      what: "run directory",
      metavar: "RUN_DIR",
      help: "the run directory holding the job",
    },
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
export type UploadSecretsRequest = RequestOf<"upload-secrets">;
export type SecretStatusRequest = RequestOf<"secret-status">;
export type DropSecretBackupsRequest = RequestOf<"drop-secret-backups">;

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
