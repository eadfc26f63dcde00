/** Run the deploy-ts command line from source, as a user would run the program. */
import { join } from "node:path";
import { existsSync } from "node:fs";
import { run, runChecked, type RunResult } from "../../src/process/run.ts";
import { REPO_ROOT } from "./testbed.ts";

/** The Deno running the tests: the real binary, not npm's wrapper script (signals reach it). */
export const DENO = Deno.execPath();

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
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
  return run(cliArgv(args), { ...options, env: { NO_COLOR: "1", ...options.env } });
}

/** dist/deploy.mjs, built first if this checkout has none (scripts/test always builds). */
export async function bundlePath(): Promise<string> {
  const bundle = join(REPO_ROOT, "dist", "deploy.mjs");
  if (!existsSync(bundle)) await runChecked([join(REPO_ROOT, "scripts", "build")]);
  return bundle;
}
