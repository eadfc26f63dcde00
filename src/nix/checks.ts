/**
 * Pre-deploy checks, once per repo: `nix flake check`, or for non-flake
 * repos a `nix-build` of `checks.<system>`. A failing check stops the run
 * before any host is touched, and Nix's output is shown whole.
 */
import { ConfigError } from "../shared/errors.ts";
import { run } from "../process/run.ts";
import type { EvalOptions } from "./evaluate.ts";
import { importTopLevel } from "./evaluate.ts";
import { nixArgv } from "./nix_command.ts";

export async function runChecks(
  repo: string,
  options: EvalOptions,
  onLine?: (line: string) => void,
): Promise<void> {
  const argv = options.mode === "flake"
    ? nixArgv(true, "flake", "check", repo, ...options.extraArgs)
    : [
      "nix-build",
      "--no-out-link",
      "-E",
      `(${importTopLevel(repo)}).checks.\${builtins.currentSystem} or { }`,
      ...options.extraArgs,
    ];
  const r = await run(argv, { onStderrLine: onLine });
  if (r.code !== 0) {
    throw new ConfigError(
      `the checks of ${repo} failed (skip them with --skip-checks):\n${r.stderr.trimEnd()}`,
    );
  }
}
