/**
 * The deployer's command line, built with commander: `deploy [targets]` and
 * `deploy plan [targets]`, with every deploy-rs flag. Helper subcommands
 * (`activate`, `wait`, `confirm`, `revoke`) never reach this file; `main`
 * dispatches them first so the on-host path stays small.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { ConfigError } from "../errors.ts";
import { shellSplit } from "../ssh/shell_quote.ts";
import { VERSION } from "../version.ts";
import type { DeployFlags } from "./flags.ts";

export type DeployCommandName = "deploy" | "plan" | "status" | "rollback" | "diff";

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
    .configureOutput({ writeOut: output.out, writeErr: output.err })
    .exitOverride()
    // Options after `plan` belong to `plan` (both commands take the same ones).
    .enablePositionalOptions()
    .showHelpAfterError("(run `deploy --help` for the flags)")
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

Everything after \`--\` is passed to Nix's evaluation, check and build commands.`,
    );

  const define = (cmd: Command, name: DeployCommandName) => {
    addDeployOptions(cmd);
    if (name === "rollback") {
      cmd.addOption(
        new Option("--to <generation>", "the generation to go back to (default: the previous one)")
          .argParser(
            parsePositiveInt,
          ),
      );
    }
    cmd.action((positional: string[], opts: Record<string, unknown>) => {
      parsed = { command: name, flags: toFlags(positional, opts, extraNixArgs) };
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

  try {
    program.parse(ours, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return undefined;
      throw new ConfigError(e.message.replace(/^error: /, ""), {}, { exitCode: 2 });
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
    new Option(
      "-s, --skip-checks",
      "skip `nix flake check` (or the checks attribute) before deploying",
    ),
    new Option("-i, --interactive", "print the plan and ask before deploying"),
  );
  group(
    "Connection:",
    new Option("--hostname <host>", "override the hostname (one node only)"),
    new Option("--ssh-user <user>", "override sshUser"),
    new Option("--ssh-opts <opts>", "override sshOpts; split like a shell (quotes respected)"),
    new Option("--profile-user <user>", "override user (the profile's owner)"),
    new Option("--sudo <cmd>", 'override sudo, the elevation prefix (default "sudo -u")'),
    new Option("--interactive-sudo <bool>", "override interactiveSudo").argParser(parseBool),
    new Option("--fast-connection <bool>", "override fastConnection (no substitution on the host)")
      .argParser(parseBool),
    new Option("-c, --checksigs", "check signatures when copying (no --no-check-sigs)"),
  );
  group(
    "Build:",
    new Option("--remote-build", "build on the target hosts"),
    new Option("-k, --keep-result", "keep GC roots of locally built profiles"),
    new Option("-r, --result-path <path>", "where -k puts GC roots").default("./.deploy-gc"),
  );
  group(
    "Activation and rollback:",
    new Option("--auto-rollback <bool>", "override autoRollback").argParser(parseBool),
    new Option("--magic-rollback <bool>", "override magicRollback").argParser(parseBool),
    new Option("--confirm-timeout <seconds>", "override confirmTimeout").argParser(
      parsePositiveInt,
    ),
    new Option("--activation-timeout <seconds>", "override activationTimeout").argParser(
      parsePositiveInt,
    ),
    new Option("--temp-path <path>", "override tempPath (where canaries live on the host)"),
    new Option("--dry-activate", "run the activation in dry mode; change nothing"),
    new Option("--boot", "set the profile for the next boot without switching"),
    new Option(
      "--rollback-succeeded <bool>",
      "when a profile fails, revoke the profiles this run already activated",
    ).argParser(parseBool).default(true),
    new Option("--keep-going", "deploy every node independently; a failure revokes nothing else"),
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

function toFlags(
  positional: string[],
  o: Record<string, unknown>,
  extraNixArgs: string[],
): DeployFlags {
  const listed = o.targets as string[] | undefined;
  if (listed && positional.length > 0) {
    throw new ConfigError(
      `give targets either as arguments or with --targets, not both (got ${
        positional.join(" ")
      } and --targets ${listed.join(" ")})`,
      {},
      { exitCode: 2 },
    );
  }
  if (o.dryActivate && o.boot) {
    throw new ConfigError("--dry-activate and --boot cannot be used together", {}, { exitCode: 2 });
  }
  const str = (k: string) => o[k] as string | undefined;
  let sshOpts: string[] | undefined;
  if (o.sshOpts !== undefined) {
    try {
      sshOpts = shellSplit(o.sshOpts as string);
    } catch (e) {
      throw new ConfigError(`--ssh-opts: ${(e as Error).message}`, {}, { exitCode: 2 });
    }
  }
  const overrides = Object.fromEntries(
    Object.entries({
      sshUser: str("sshUser"),
      user: str("profileUser"),
      sshOpts,
      fastConnection: o.fastConnection,
      autoRollback: o.autoRollback,
      magicRollback: o.magicRollback,
      confirmTimeout: o.confirmTimeout,
      activationTimeout: o.activationTimeout,
      tempPath: str("tempPath"),
      remoteBuild: o.remoteBuild ? true : undefined,
      sudo: str("sudo"),
      interactiveSudo: o.interactiveSudo,
    }).filter(([, v]) => v !== undefined),
  );
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
    dryActivate: Boolean(o.dryActivate),
    boot: Boolean(o.boot),
    rollbackSucceeded: o.rollbackSucceeded as boolean,
    keepGoing: Boolean(o.keepGoing),
    jobs: o.jobs as number,
    json: Boolean(o.json),
    progress: o.progress !== false,
    ...(o.to === undefined ? {} : { rollbackTo: o.to as number }),
  };
}

/** deploy-rs's boolean overrides take exactly `true` or `false`. */
export function parseBool(value: string): boolean {
  if (value === "true") return true;
  if (value === "false") return false;
  throw new InvalidArgumentError("expected true or false.");
}

function parsePositiveInt(value: string): number {
  if (!/^[0-9]+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError("expected a positive whole number.");
  }
  return Number(value);
}
