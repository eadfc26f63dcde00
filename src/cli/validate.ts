/**
 * `deploy validate FILE.json`: check a whole `deploy` output, as JSON, with
 * the CLI's own schema. `lib.deployChecks` runs it on
 * `builtins.toJSON deploy` with the string context discarded, so no profile
 * is built (deploy-rs #219, #337, #389).
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { ConfigError, UsageError } from "../shared/errors.ts";
import { validateDeploy } from "../config/schema.ts";
import { checkOrder } from "../config/plan.ts";

export function validateCommand(argv: readonly string[]): number {
  if (argv.length !== 1) {
    throw new UsageError("usage: deploy validate FILE.json");
  }
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(argv[0], "utf8"));
  } catch (e) {
    throw new ConfigError(`cannot read ${argv[0]} as JSON: ${(e as Error).message}`);
  }
  const { config, warnings } = validateDeploy(data);
  // The whole output: each node as `deploy .` would deploy it, whole.
  for (const [name, node] of Object.entries(config.nodes)) {
    checkOrder(name, node.profilesOrder ?? [], Object.keys(node.profiles));
  }
  for (const w of warnings) process.stderr.write(`deploy: warning: ${w}\n`);
  const nodes = Object.values(config.nodes);
  const profiles = nodes.reduce((n, node) => n + Object.keys(node.profiles).length, 0);
  process.stdout.write(`the deploy output is valid: ${nodes.length} nodes, ${profiles} profiles\n`);
  return 0;
}
