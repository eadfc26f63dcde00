/**
 * The deployer's command-line flags, as parsed: the same names and value
 * syntax as deploy-rs (reference §1.1), plus deploy-ts's own.
 */
import type { SettingOverrides } from "../config/settings_table.ts";
import type { WaveSpec } from "../plan/waves.ts";
import type { NodePattern } from "../config/node_selector.ts";

/** Everything the deployer's commands take. */
export interface DeployFlags {
  /** Target strings, positional or `--targets`; `["."]` when none were given. */
  targets: string[];
  /** `-f/--file`: non-flake mode, targets are fragments inside this Nix file or directory. */
  file?: string;
  /** Everything after `--`, appended to Nix's evaluation, check and build calls. */
  extraNixArgs: string[];
  overrides: SettingOverrides;
  /** `--on web-*,@db`: of the targets' nodes, only those these select. */
  on?: NodePattern[];
  /** `--hostname`: replaces the hostname of the (single) selected node. */
  hostname?: string;
  checksigs: boolean;
  interactive: boolean;
  debugLogs: boolean;
  logDir?: string;
  keepResult: boolean;
  resultPath: string;
  skipChecks: boolean;
  /** `--skip-health-checks`: activate without running the profiles' health checks. */
  skipHealthChecks: boolean;
  dryActivate: boolean;
  boot: boolean;
  rollbackSucceeded: boolean;
  keepGoing: boolean;
  /** `--waves "web1; web2,web3; *"`: the nodes of each wave, instead of their `wave` settings. */
  waves?: WaveSpec;
  /** `--wave-pause <s>`: seconds to wait between waves. */
  wavePause?: number;
  /** `--max-failures N` (with --keep-going): the next wave starts only while at most N nodes failed. */
  maxFailures: number;
  jobs: number;
  json: boolean;
  progress: boolean;
  /** `deploy rollback --to N`. */
  rollbackTo?: number;
  /** `deploy exec [--as USER] -- CMD…`: the command's words, for the remote shell. */
  exec?: { command: string[]; as?: string };
}
