/**
 * The deployer's command line, built with commander: `deploy [targets]` and
 * `deploy plan [targets]`, with every deploy-rs flag. Helper subcommands
 * (HELPER_COMMANDS, src/wire/requests.ts) never reach this file; `main`
 * dispatches them first so the on-host path stays small. `--help` names
 * them from that table (src/wire/usage.ts), which makes their own usage.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { UsageError } from "../shared/errors.ts";
import { shellSplit } from "../shared/shell_quote.ts";
import { VERSION } from "../shared/version.ts";
import { closest } from "../config/suggest.ts";
import { EXIT_CODE_TABLE } from "../shared/exit_codes.ts";
import { parseWaveSpec, type WaveSpec } from "../plan/waves.ts";
import { asOption, execFlags, onOption } from "./exec_flags.ts";
import { MAX_TIMEOUT_SECONDS } from "../shared/vocabulary.ts";
import type { DeployFlags } from "./flags.ts";
import { optionKey, parseBool, settingOptions } from "./setting_flags.ts";
import { helperCommandsText } from "../wire/usage.ts";
import {
  type ProfileSettings,
  SETTING_NAMES,
  type SettingName,
  type SettingOverrides,
  SETTINGS,
  type SettingSpec,
} from "../config/settings_table.ts";

export type DeployCommandName =
  | "deploy"
  | "plan"
  | "status"
  | "rollback"
  | "diff"
  | "check"
  | "exec"
  | "secrets";

export interface ParsedCommand {
  command: DeployCommandName;
  flags: DeployFlags;
}

/** Parse the deployer's argv (without the program name). Returns undefined after --help/--version. */
export function parseDeployArgs(
  argv: readonly string[],
  output: { out: (s: string) => void; err: (s: string) => void },
): ParsedCommand | undefined {
  // Everything after the first `--` belongs to Nix; commander never sees it,
  // so a Nix flag can never be mistaken for one of ours (deploy-rs §1.3).
  const dashDash = argv.indexOf("--");
  const ours = dashDash < 0 ? [...argv] : argv.slice(0, dashDash);
  const extraNixArgs = dashDash < 0 ? [] : argv.slice(dashDash + 1);

  let parsed: ParsedCommand | undefined;
  const program = new Command("deploy")
    .description("Deploy Nix profiles to remote machines over SSH.")
    .version(VERSION, "-V, --version", "print the version")
    .helpOption("-h, --help", "print this help")
    .configureOutput({ writeOut: output.out, writeErr: output.err, outputError: () => {} })
    .exitOverride()
    // Options after `plan` belong to `plan` (both commands take the same ones).
    .enablePositionalOptions()
    .addHelpText(
      "after",
      `
Targets:
  .                       every node of the flake in this directory
  .#node                  every profile of one node
  .#node.profile          one profile
  '.#"dotted.name".system' quote names that contain dots (quote the whole argument for the shell)
  github:org/repo#node    any flake reference
  With -f FILE, targets are fragments (node, node.profile) inside the Nix file FILE.
  --on 'web-*,@db'        of the targets' nodes, those a name, a glob or a tag selects

Everything after \`--\` is passed to Nix's evaluation, check and build commands
(for \`deploy exec\`, it is the command).

Exit codes:
${EXIT_CODE_TABLE.map(([code, what]) => `  ${String(code).padEnd(4)}${what}`).join("\n")}

${helperCommandsText()}`,
    );

  const define = (cmd: Command, name: DeployCommandName) => {
    addDeployOptions(cmd);
    if (name === "rollback") {
      const to = "the generation to go back to (default: the previous one)";
      cmd.addOption(new Option("--to <generation>", to).argParser(parsePositiveInt));
    }
    if (name === "exec") cmd.addOption(asOption());
    cmd.action((positional: string[], opts: Record<string, unknown>) => {
      if (name === "deploy" && opts.file === undefined) {
        // `validate` is dispatched by main.ts before this parser.
        refuseBareWords(positional, [...program.commands.map((c) => c.name()), "validate"]);
      }
      parsed = {
        command: name,
        flags: name === "exec"
          ? { ...toFlags(positional, opts, []), exec: execFlags(opts, extraNixArgs) }
          : toFlags(positional, opts, extraNixArgs),
      };
    });
  };
  define(program.argument("[targets...]", "what to deploy (default: .)"), "deploy");
  const sub = (name: Exclude<DeployCommandName, "deploy">, description: string) =>
    define(
      program.command(name).description(description).argument(
        "[targets...]",
        "which profiles (default: .)",
      ),
      name,
    );
  sub(
    "plan",
    "resolve targets and settings and print the plan (TOML, or JSON with --json); no host is contacted",
  );
  sub(
    "status",
    "what each selected host runs: generation, when and by whom deployed, whether it matches the flake",
  );
  sub(
    "rollback",
    "switch profiles back to their previous generation (or --to N), with magic rollback",
  );
  sub("diff", "what a deployment would change per profile: packages and closure size");
  sub(
    "check",
    "run the profiles' health checks against what is deployed now; exit 1 if any fails",
  );
  sub("exec", "run the command after `--` on every selected node, as sshUser or --as USER");
  sub("secrets", "upload the profiles' secrets now, without deploying (colmena's upload-keys)");

  try {
    program.parse(ours, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return undefined;
      // Said once, by main, with where to look.
      throw new UsageError(
        `${e.message.replace(/^error: /, "")} (run \`deploy --help\` for the flags)`,
      );
    }
    throw e;
  }
  return parsed;
}

function addDeployOptions(cmd: Command): void {
  const group = (heading: string, ...options: Option[]) => {
    for (const o of options) cmd.addOption(o.helpGroup(heading));
  };
  group(
    "Selection and evaluation:",
    new Option("--targets <targets...>", "several targets (instead of the positional one)"),
    new Option("-f, --file <file>", "non-flake mode: targets are attributes of this Nix file"),
    onOption(),
    new Option(
      "-s, --skip-checks",
      "skip `nix flake check` (or the checks attribute) before deploying",
    ),
    new Option("-i, --interactive", "print the plan and ask before deploying"),
  );
  group(
    "Connection:",
    new Option("--hostname <host>", "override the hostname (one node only)"),
    ...settingOptions("Connection:"),
    new Option("-c, --checksigs", "check signatures when copying (no --no-check-sigs)"),
  );
  group(
    "Build:",
    ...settingOptions("Build:"),
    new Option("-k, --keep-result", "keep GC roots of locally built profiles"),
    new Option("-r, --result-path <path>", "where -k puts GC roots").default("./.deploy-gc"),
  );
  group(
    "Activation and rollback:",
    ...settingOptions("Activation and rollback:"),
    new Option("--dry-activate", "run the activation in dry mode; change nothing"),
    new Option("--boot", "set the profile for the next boot without switching"),
    new Option(
      "--rollback-succeeded <bool>",
      "when a profile fails, revoke the profiles this run already activated",
    ).argParser(parseBool).default(true),
    new Option("--keep-going", "deploy every node independently; a failure revokes nothing else"),
    new Option(
      "--skip-health-checks",
      "activate without running health checks (emergencies; shown in the summary)",
    ),
  );
  group(
    "Rollout in waves:",
    new Option(
      "--waves <waves>",
      'the nodes of each wave, e.g. "web1; web2,web3; *" (* = every other node); ' +
        "overrides the nodes' wave settings",
    ).argParser(parseWaves),
    new Option("--wave-pause <seconds>", "wait between two waves").argParser(parsePause),
    new Option(
      "--max-failures <n>",
      "with --keep-going: start the next wave only while at most N nodes failed",
    ).argParser(parseCount).default(0),
  );
  group(
    "Output and concurrency:",
    new Option("-j, --jobs <n>", "nodes deployed at once").argParser(parsePositiveInt).default(8),
    new Option("--json", "JSON output (plan: the plan as JSON; deploy: a JSON-lines event stream)"),
    new Option("--no-progress", "plain lines instead of the live view"),
    new Option("-d, --debug-logs", "print every external command with its argv"),
    new Option("--log-dir <dir>", "write a full log per node and profile into DIR"),
  );
}

/**
 * A bare word (`deploy statu`) is most likely a mistyped subcommand; as a
 * target, Nix would look it up in the global flake registry. Refused, with
 * the spellings that mean a flake: `./dir`, `name#node`, `flake:name`.
 */
export function refuseBareWords(
  positional: readonly string[],
  subcommands: readonly string[],
): void {
  const word = positional.find((w) => /^[A-Za-z][A-Za-z0-9_-]*$/.test(w));
  if (word === undefined) return;
  const near = closest(word, subcommands);
  throw new UsageError(
    `unknown command "${word}"${near ? ` (did you mean "${near}"?)` : ""}; a target is a flake ` +
      `reference: write ./${word} for the flake in that directory, or flake:${word} for the ` +
      `registry's`,
  );
}

function toFlags(
  positional: string[],
  o: Record<string, unknown>,
  extraNixArgs: string[],
): DeployFlags {
  const listed = o.targets as string[] | undefined;
  if (listed && positional.length > 0) {
    throw new UsageError(
      `give targets either as arguments or with --targets, not both (got ${
        positional.join(" ")
      } and --targets ${listed.join(" ")})`,
    );
  }
  if (o.dryActivate && o.boot) {
    throw new UsageError("--dry-activate and --boot cannot be used together");
  }
  if (o.maxFailures !== 0 && !o.keepGoing) {
    throw new UsageError(
      "--max-failures needs --keep-going: without it, the first failure stops the rollout",
    );
  }
  const str = (k: string) => o[k] as string | undefined;
  const overrides: SettingOverrides = {};
  for (const name of SETTING_NAMES) {
    const value = o[optionKey(name)];
    if (value === undefined) continue;
    assignOverride(
      overrides,
      name,
      SETTINGS[name].kind === "words" ? splitWords(name, value) : value,
    );
  }
  // An emergency switch, as a setting override like any other: no checks at any level.
  if (o.skipHealthChecks) overrides.healthChecks = {};
  const targets = listed ?? positional;
  return {
    targets: targets.length > 0 ? targets : ["."],
    file: str("file"),
    extraNixArgs,
    overrides,
    hostname: str("hostname"),
    checksigs: Boolean(o.checksigs),
    interactive: Boolean(o.interactive),
    debugLogs: Boolean(o.debugLogs),
    logDir: str("logDir"),
    keepResult: Boolean(o.keepResult),
    resultPath: str("resultPath") ?? "./.deploy-gc",
    skipChecks: Boolean(o.skipChecks),
    skipHealthChecks: Boolean(o.skipHealthChecks),
    dryActivate: Boolean(o.dryActivate),
    boot: Boolean(o.boot),
    rollbackSucceeded: o.rollbackSucceeded as boolean,
    keepGoing: Boolean(o.keepGoing),
    ...(o.on === undefined ? {} : { on: o.on as DeployFlags["on"] }),
    ...(o.waves === undefined ? {} : { waves: o.waves as WaveSpec }),
    ...(o.wavePause === undefined ? {} : { wavePause: o.wavePause as number }),
    maxFailures: o.maxFailures as number,
    jobs: o.jobs as number,
    json: Boolean(o.json),
    progress: o.progress !== false,
    ...(o.to === undefined ? {} : { rollbackTo: o.to as number }),
  };
}

/** A list flag such as `--ssh-opts`, split like a shell would split it. */
function splitWords(name: SettingName, value: unknown): string[] {
  try {
    return shellSplit(value as string);
  } catch (e) {
    const spec: SettingSpec = SETTINGS[name];
    const flag = spec.flag!.syntax.split(" ")[0];
    throw new UsageError(`${flag}: ${(e as Error).message}`);
  }
}

function assignOverride<K extends SettingName>(
  into: SettingOverrides,
  name: K,
  value: unknown,
): void {
  // Parsed by kind above; a value-less flag gave `true`.
  into[name] = value as ProfileSettings[K];
}

/** `--wave-pause`: a positive whole number of seconds that a timer can hold (deploy-ts's own). */
function parsePause(value: string): number {
  const n = parsePositiveInt(value);
  if (n > MAX_TIMEOUT_SECONDS) {
    throw new InvalidArgumentError(`expected at most ${MAX_TIMEOUT_SECONDS} seconds.`);
  }
  return n;
}

/** `--waves`, with its own message in commander's words. */
function parseWaves(value: string): WaveSpec {
  try {
    return parseWaveSpec(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message.replace(/^--waves: /, ""));
  }
}

/** A count that may be 0. */
function parseCount(value: string): number {
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError("expected a whole number of 0 or more.");
  }
  return Number(value);
}

function parsePositiveInt(value: string): number {
  if (!/^[0-9]+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError("expected a positive whole number.");
  }
  return Number(value);
}
