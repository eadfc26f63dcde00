/**
 * The on-host helper's command line. Values arrive as argv (the deployer
 * quotes them once for the SSH user's shell); nothing here parses shell.
 *
 *   deploy activate CLOSURE (--profile-path P | --profile-user U --profile-name N)
 *          [--temp-path DIR] [--confirm-timeout S] [--activation-timeout S]
 *          [--magic-rollback] [--auto-rollback] [--dry-activate] [--boot] [--deployer WHO]
 *   deploy wait RUN_DIR [--activation-timeout S]
 *   deploy confirm RUN_DIR            (the token on stdin)
 *   deploy revoke (--profile-path P | --profile-user U --profile-name N)
 *          --to-generation G|none [--remove-generation N] [--expect-generation N]
 *          [--boot] [--temp-path DIR] [--activation-timeout S]
 *   deploy query (--profile-path P | --profile-user U --profile-name N)
 *
 * Every command first rolls back a run of the profile whose worker died
 * before its outcome was final (recover.ts).
 */
import { existsSync, lstatSync, statSync } from "node:fs";
import { userInfo } from "node:os";
import process from "node:process";
import { MAX_TIMEOUT_SECONDS } from "../vocabulary.ts";
import { parseArgs, type ParseArgsConfig } from "node:util";

type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;
import { ConfigError, DeployError } from "../errors.ts";
import { confirmCanary } from "./confirm.ts";
import { followRun, writeEvent } from "./follow.ts";
import { resolveProfilePath } from "./profile_path.ts";
import { RunDir } from "./run_dir.ts";
import { startAndFollow } from "./start.ts";
import { runWorker } from "./worker.ts";
import { describeProfile } from "./query.ts";
import { recoverIfDead } from "./recover.ts";

/**
 * The largest timeout a timer can hold: longer ones would fire at once.
 * Also enforced at config time (src/config/schema.ts).
 */

const PROFILE_OPTIONS = {
  "profile-path": { type: "string" },
  "profile-user": { type: "string" },
  "profile-name": { type: "string" },
  "temp-path": { type: "string", default: "/tmp" },
  deployer: { type: "string" },
  "debug-logs": { type: "boolean", short: "d" },
  "log-dir": { type: "string" },
  boot: { type: "boolean" },
} as const;

export async function helperMain(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "activate":
      return await activate(rest);
    case "wait":
      return await wait(rest);
    case "confirm":
      return await confirm(rest);
    case "revoke":
      return await revoke(rest);
    case "query":
      return await query(rest);
  }
  throw new ConfigError(`unknown helper command ${command}`, {}, { exitCode: 2 });
}

function parse<const T extends OptionsConfig>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new ConfigError((e as Error).message, {}, { exitCode: 2 });
  }
}

function seconds(name: string, value: string | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (!/^[0-9]+$/.test(value) || Number(value) < 1 || Number(value) > MAX_TIMEOUT_SECONDS) {
    throw new ConfigError(
      `--${name} takes a whole number of seconds from 1 to ${MAX_TIMEOUT_SECONDS}, got '${value}'`,
      {},
      {
        exitCode: 2,
      },
    );
  }
  return Number(value);
}

function profilePathOf(v: { [k: string]: unknown }): string {
  const path = v["profile-path"] as string | undefined;
  const user = v["profile-user"] as string | undefined;
  const name = v["profile-name"] as string | undefined;
  if (path !== undefined && (user !== undefined || name !== undefined)) {
    throw new ConfigError("give either --profile-path or --profile-user with --profile-name", {}, {
      exitCode: 2,
    });
  }
  if (path !== undefined) return path;
  if (user === undefined || name === undefined) {
    throw new ConfigError(
      "--profile-user and --profile-name go together (or give --profile-path)",
      {},
      {
        exitCode: 2,
      },
    );
  }
  const me = userInfo();
  if (me.username !== user) {
    throw new DeployError(`the profile belongs to ${user}, but the helper runs as ${me.username}`);
  }
  return resolveProfilePath({ user, name }, {
    nixStateDir: process.env.NIX_STATE_DIR || "/nix/var/nix",
    home: me.homedir,
    isDirectory: (p) => existsSync(p) && statSync(p).isDirectory(),
    exists: (p) => {
      try {
        lstatSync(p);
        return true;
      } catch {
        return false;
      }
    },
  });
}

function generationNumber(name: string, value: string): number {
  if (!/^[0-9]+$/.test(value)) {
    throw new ConfigError(`--${name} takes a generation number, got '${value}'`, {}, {
      exitCode: 2,
    });
  }
  return Number(value);
}

/** Messages of the helper itself where stdout carries JSON. */
function note(message: string): void {
  process.stderr.write(`[deploy-ts] ${message}\n`);
}

/**
 * `deploy query`: the profile's generations and the host's last record, as
 * JSON, after rolling back a run whose worker died (then named in `recovered`).
 */
async function query(args: string[]): Promise<number> {
  const { values: v } = parse(args, PROFILE_OPTIONS);
  const profilePath = profilePathOf(v);
  const recovered = await recoverIfDead(profilePath, note);
  process.stdout.write(
    `${JSON.stringify({ ...describeProfile(profilePath), recovered: recovered ?? null })}\n`,
  );
  return 0;
}

/** The profile of the run in `runDir`, for the recovery check of `wait` and `confirm`. */
async function recoverRunOf(runDir: string): Promise<void> {
  let profilePath: string;
  try {
    profilePath = RunDir.open(runDir).readJob().profilePath;
  } catch {
    return; // RunDir.open's own message follows when the command opens it.
  }
  await recoverIfDead(profilePath, note);
}

function deployerOf(v: { deployer?: unknown }): string {
  return (v.deployer as string | undefined) ??
    `${userInfo().username}${
      process.env.SSH_CONNECTION ? ` from ${process.env.SSH_CONNECTION.split(" ")[0]}` : ""
    }`;
}

async function activate(args: string[]): Promise<number> {
  const { values: v, positionals } = parse(args, {
    ...PROFILE_OPTIONS,
    worker: { type: "string" },
    "confirm-timeout": { type: "string" },
    "activation-timeout": { type: "string" },
    "magic-rollback": { type: "boolean" },
    "auto-rollback": { type: "boolean" },
    "dry-activate": { type: "boolean" },
    generation: { type: "string" },
  });
  if (v.worker !== undefined) return await runWorker(v.worker);
  if (positionals.length !== 1) {
    throw new ConfigError("activate takes exactly one closure path", {}, { exitCode: 2 });
  }
  if (v["dry-activate"] && v.boot) {
    throw new ConfigError("--dry-activate and --boot cannot be used together", {}, { exitCode: 2 });
  }
  const mode = v["dry-activate"] ? "dry-activate" : v.boot ? "boot" : "switch";
  return await startAndFollow(v["temp-path"]!, {
    kind: "activate",
    closure: positionals[0],
    profilePath: profilePathOf(v),
    mode,
    autoRollback: Boolean(v["auto-rollback"]),
    // Boot and dry activations never wait for a confirmation.
    magicRollback: Boolean(v["magic-rollback"]) && mode === "switch",
    confirmTimeout: seconds("confirm-timeout", v["confirm-timeout"], 30)!,
    activationTimeout: seconds("activation-timeout", v["activation-timeout"]),
    deployer: deployerOf(v),
    ...(v.generation === undefined
      ? {}
      : { generation: generationNumber("generation", v.generation) }),
  }, { issueToken: true });
}

async function wait(args: string[]): Promise<number> {
  const { values: v, positionals } = parse(args, {
    "activation-timeout": { type: "string" },
    "temp-path": { type: "string" },
    "debug-logs": { type: "boolean", short: "d" },
  });
  if (positionals.length !== 1) {
    throw new ConfigError("wait takes one run directory", {}, { exitCode: 2 });
  }
  // Accepted for older deployers; the worker itself enforces the job's activationTimeout.
  seconds("activation-timeout", v["activation-timeout"]);
  await recoverRunOf(positionals[0]);
  return await followRun(RunDir.open(positionals[0]), writeEvent);
}

async function confirm(args: string[]): Promise<number> {
  const { positionals } = parse(args, { "debug-logs": { type: "boolean", short: "d" } });
  if (positionals.length !== 1) {
    throw new ConfigError("confirm takes one run directory", {}, { exitCode: 2 });
  }
  // With interactive sudo the password line comes first and sudo reads it;
  // the token is the last line either way.
  const token = (await readStdin()).split("\n").map((l) => l.trim()).filter(Boolean).at(-1) ?? "";
  await recoverRunOf(positionals[0]);
  process.stdout.write(`${await confirmCanary(positionals[0], token)}\n`);
  return 0;
}

async function revoke(args: string[]): Promise<number> {
  const { values: v, positionals } = parse(args, {
    ...PROFILE_OPTIONS,
    "to-generation": { type: "string" },
    "remove-generation": { type: "string" },
    "expect-generation": { type: "string" },
    "activation-timeout": { type: "string" },
  });
  if (positionals.length) {
    throw new ConfigError("revoke takes no positional arguments", {}, { exitCode: 2 });
  }
  const generation = (name: string, value: string | undefined): number | null => {
    if (value === undefined || value === "none") return null;
    if (!/^[0-9]+$/.test(value)) {
      throw new ConfigError(`--${name} takes a generation number or 'none'`, {}, { exitCode: 2 });
    }
    return Number(value);
  };
  if (v["to-generation"] === undefined) {
    throw new ConfigError("revoke needs --to-generation (a number, or none)", {}, { exitCode: 2 });
  }
  const removeGeneration = generation("remove-generation", v["remove-generation"]);
  return await startAndFollow(v["temp-path"]!, {
    kind: "revoke",
    profilePath: profilePathOf(v),
    toGeneration: generation("to-generation", v["to-generation"]),
    removeGeneration,
    // The generation the revoked run made is the one to remove: revoke only while it is active.
    expectGeneration: v["expect-generation"] === undefined
      ? removeGeneration
      : generation("expect-generation", v["expect-generation"]),
    boot: Boolean(v.boot),
    deployer: deployerOf(v),
    activationTimeout: seconds("activation-timeout", v["activation-timeout"]),
  }, { issueToken: false });
}

function readStdin(): Promise<string> {
  return new Promise((resolve) => {
    let data = "";
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (c) => (data += c));
    process.stdin.on("end", () => resolve(data));
    process.stdin.on("error", () => resolve(data));
  });
}
