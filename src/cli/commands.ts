/** Runs a parsed deployer command: the steps a person would follow, in order. */
import process from "node:process";
import { CancelledError } from "../errors.ts";
import { observeCommands } from "../process/run.ts";
import { shellQuoteArgv } from "../ssh/shell_quote.ts";
import { resolvePlan } from "../deploy/resolve_plan.ts";
import { runPipeline } from "../deploy/pipeline.ts";
import { needsPassword } from "../deploy/elevation.ts";
import type { ProfilePlan } from "../config/plan.ts";
import { emitter } from "../ui/events.ts";
import { plainReporter } from "../ui/plain_reporter.ts";
import { formatPlanToml, planToJson } from "../ui/plan_format.ts";
import { askYesNo } from "../ui/prompt.ts";
import { askHidden, passwordFromEnvironment } from "../ui/password.ts";
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

  const passwords = await sudoPasswords(plan);
  if (flags.interactive) {
    process.stderr.write(
      `The following profiles are going to be deployed:\n\n${formatPlanToml(plan)}\n`,
    );
    if (!await askYesNo("Are you sure you want to deploy these profiles?")) {
      throw new CancelledError("deployment cancelled; nothing was changed");
    }
  }
  const emit = emitter(plainReporter((s) => process.stderr.write(s)));
  const results = await runPipeline({ flags, plan, emit, passwords });
  const ok = results.every((r) => r.ok);
  emit({ type: "summary", ok, profiles: results });
  return ok ? 0 : 1;
}

/** One password per node that needs one (interactiveSudo), asked before anything else. */
async function sudoPasswords(plan: readonly ProfilePlan[]): Promise<Map<string, string>> {
  const passwords = new Map<string, string>();
  for (const p of plan) {
    if (!needsPassword(p.settings) || passwords.has(p.node)) continue;
    const password = passwordFromEnvironment(p.node) ??
      await askHidden(`(sudo for ${p.settings.user} on ${p.node}) Password: `);
    passwords.set(p.node, password);
  }
  return passwords;
}
