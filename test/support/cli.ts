/** Run the deploy-ts command line from source, as a user would run the program. */
import { join } from "node:path";
import { existsSync } from "node:fs";
import { run, runChecked, type RunResult } from "../../src/process/run.ts";
import { type NixVersion, REPO_ROOT } from "./testbed.ts";

/** The Deno running the tests: the real binary, not npm's wrapper script (signals reach it). */
export const DENO = Deno.execPath();

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
  /** The deployer's Nix: 2.26 runs the command through scripts/with-nix. */
  nix?: NixVersion;
}

/** The argv of `deploy ARGS…` from this checkout's sources. */
export function cliArgv(args: string[]): string[] {
  return [
    DENO,
    "run",
    "-A",
    "--config",
    join(REPO_ROOT, "deno.json"),
    join(REPO_ROOT, "mod.ts"),
    ...args,
  ];
}

/** `deploy ARGS…` from this checkout's sources. */
export function deployCli(args: string[], options: CliOptions = {}): Promise<RunResult> {
  // TESTBED_DEPLOYER_NIX=2.26 runs every test's deployer on Nix 2.26 (see README, "Nix versions").
  const { nix = deployerNix(), ...rest } = options;
  return run(withNix(nix, cliArgv(args)), { ...rest, env: { NO_COLOR: "1", ...options.env } });
}

function deployerNix(): NixVersion | undefined {
  const v = Deno.env.get("TESTBED_DEPLOYER_NIX");
  if (v === undefined || v === "2.8" || v === "2.26") return v;
  throw new Error(`TESTBED_DEPLOYER_NIX must be 2.8 or 2.26, got ${v}`);
}

/** argv run with a deployer on Nix `nix` (this machine's own for 2.8). */
export function withNix(nix: NixVersion | undefined, argv: string[]): string[] {
  return nix === undefined || nix === "2.8"
    ? argv
    : [join(REPO_ROOT, "scripts", "with-nix"), nix, "--", ...argv];
}

/** dist/deploy.mjs, built first if this checkout has none (scripts/test always builds). */
export async function bundlePath(): Promise<string> {
  const bundle = join(REPO_ROOT, "dist", "deploy.mjs");
  if (!existsSync(bundle)) await runChecked([join(REPO_ROOT, "scripts", "build")]);
  return bundle;
}
