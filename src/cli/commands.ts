/** Runs a parsed deployer command: the steps a person would follow, in order. */
import process from "node:process";
import { CancelledError, DeployError } from "../errors.ts";
import { observeCommands } from "../process/run.ts";
import { shellQuoteArgv } from "../ssh/shell_quote.ts";
import { resolvePlan } from "../deploy/resolve_plan.ts";
import { formatPlanToml, planToJson } from "../ui/plan_format.ts";
import { askYesNo } from "../ui/prompt.ts";
import type { ParsedCommand } from "./program.ts";

export async function runDeployCommand({ command, flags }: ParsedCommand): Promise<number> {
  if (flags.debugLogs) {
    observeCommands((argv) => process.stderr.write(`[debug] + ${shellQuoteArgv(argv)}\n`));
  }
  const { plan, warnings } = await resolvePlan(flags);
  for (const w of warnings) process.stderr.write(`deploy: warning: ${w}\n`);

  if (command === "plan") {
    process.stdout.write(
      flags.json ? `${JSON.stringify(planToJson(plan), null, 2)}\n` : formatPlanToml(plan),
    );
    return 0;
  }

  if (flags.interactive) {
    process.stderr.write(
      `The following profiles are going to be deployed:\n\n${formatPlanToml(plan)}\n`,
    );
    if (!await askYesNo("Are you sure you want to deploy these profiles?")) {
      throw new CancelledError("deployment cancelled; nothing was changed");
    }
  }
  throw new DeployError("deploying is not implemented yet (see `deploy plan`)");
}
