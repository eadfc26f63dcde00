/**
 * Evaluating the `deploy` output: one `nix eval --json` per flake (or one
 * `nix-instantiate` per Nix file), returning only the selected nodes and
 * profiles, each with its store path and derivation.
 */
import { resolve } from "node:path";
import { ConfigError } from "../shared/errors.ts";
import { lastLines, run } from "../process/run.ts";
import { nixArgv } from "./nix_command.ts";
import { nixStringLiteral } from "./nix_string.ts";
import { type SelectedDeploy, selectExpression, type Selection } from "./select_expr.ts";

/** flake: `nix eval REPO#deploy`; file: `import REPO` through `nix-instantiate` (flake-compat). */
export type EvalMode = "flake" | "file";

export interface EvalOptions {
  mode: EvalMode;
  /** Arguments after `--` on the command line. */
  extraArgs: readonly string[];
}

/** The top level of a non-flake repo: `import REPO`, called with `{ }` when it is a function. */
export function importTopLevel(repo: string): string {
  return `(let src = import ${nixStringLiteral(resolve(repo))}; in
  if builtins.isFunction src then src { } else src)`;
}

/** The `deploy` output of a non-flake repo. */
export function importExpression(repo: string): string {
  return `(${importTopLevel(repo)}).deploy or (throw ${
    nixStringLiteral(`deploy-ts: ${resolve(repo)} has no attribute 'deploy'`)
  })`;
}

/** Evaluate the selection of one repo's `deploy` output. */
export async function evaluateDeploy(
  repo: string,
  selection: Selection,
  options: EvalOptions,
): Promise<SelectedDeploy> {
  const select = selectExpression(selection);
  const argv = options.mode === "flake"
    ? nixArgv(true, "eval", "--json", `${repo}#deploy`, "--apply", select, ...options.extraArgs)
    : [
      "nix-instantiate",
      "--eval",
      "--strict",
      "--read-write-mode",
      "--json",
      "-E",
      `(${select}) (${importExpression(repo)})`,
      ...options.extraArgs,
    ];
  const r = await run(argv);
  if (r.code !== 0) {
    throw new ConfigError(
      `evaluating the deploy output of ${repo} failed (${
        options.mode === "flake" ? "nix eval" : "nix-instantiate"
      }):\n${lastLines(r.stderr, 30)}`,
    );
  }
  try {
    return JSON.parse(r.stdout) as SelectedDeploy;
  } catch {
    throw new ConfigError(
      `evaluating ${repo} returned something that is not JSON: ${r.stdout.slice(0, 200)}`,
    );
  }
}
