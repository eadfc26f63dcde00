/** Runs a parsed deployer command: the steps a person would follow, in order. */
import process from "node:process";
import { CancelledError } from "../shared/errors.ts";
import { deploymentExitCode, EXIT_CODES } from "../shared/exit_codes.ts";
import { observeCommands } from "../process/run.ts";
import { shellQuoteArgv } from "../shared/shell_quote.ts";
import { resolvePlan } from "../plan/resolve_plan.ts";
import { assignWaves } from "../plan/waves.ts";
import { type PipelineOptions, runPipeline } from "../deploy/pipeline.ts";
import { rollbackProfiles } from "../deploy/rollback.ts";
import { profileStatuses } from "../deploy/status.ts";
import { formatStatus } from "../ui/status_format.ts";
import { diffProfiles } from "../deploy/diff.ts";
import { formatProfileDiff } from "../ui/diff_format.ts";
import { needsPassword } from "../host/elevation.ts";
import type { ProfilePlan } from "../config/plan.ts";
import { DeployError } from "../shared/errors.ts";
import { emitter, fanOut, type Reporter } from "../shared/events.ts";
import { jsonReporter } from "../ui/json_reporter.ts";
import { logDirReporter } from "../ui/log_dir.ts";
import { plainReporter } from "../ui/plain_reporter.ts";
import { progressView } from "../ui/progress_view.ts";
import type { DeployFlags } from "./flags.ts";
import { formatPlanToml, planToJson } from "../ui/plan_format.ts";
import { askYesNo } from "../ui/prompt.ts";
import { showEscaped } from "../ui/host_text.ts";
import {
  askHidden,
  passwordFromEnvironment,
  takePasswordsFromEnvironment,
} from "../ui/password.ts";
import type { ParsedCommand } from "./program.ts";
import { setPassphrasePrompt } from "../ssh/ssh2/passphrase_prompt.ts";
import { checkProfiles, formatCheckReports } from "../deploy/health_report.ts";
import { hostSideChecks } from "../shared/health_checks.ts";
import { execCommand } from "./exec_command.ts";
import { formatSecretsReports, uploadProfileSecrets } from "../deploy/upload_secrets.ts";

/** The renderings of the event stream this run asked for. */
export function reporterFor(flags: Pick<DeployFlags, "json" | "progress" | "logDir">): Reporter {
  const stderr = (s: string) => void process.stderr.write(s);
  const main = flags.json
    ? jsonReporter((s) => void process.stdout.write(s))
    : flags.progress && process.stderr.isTTY
    ? progressView(stderr, {
      width: () => process.stderr.columns || 100,
      height: () => process.stderr.rows || 24,
      color: !process.env.NO_COLOR,
      onResize: (redraw) => {
        process.stderr.on("resize", redraw);
        return () => void process.stderr.off("resize", redraw);
      },
    })
    : plainReporter(stderr);
  return flags.logDir ? fanOut(main, logDirReporter(flags.logDir)) : main;
}

export async function runDeployCommand({ command, flags }: ParsedCommand): Promise<number> {
  // Before the first child process (evaluation runs Nix).
  takePasswordsFromEnvironment();
  setPassphrasePrompt(askHidden);
  if (flags.debugLogs) {
    observeCommands((argv) => process.stderr.write(`[debug] + ${shellQuoteArgv(argv)}\n`));
  }
  if (command === "plan") {
    // A plan deploys nothing: it needs the evaluation, not the pre-deploy checks.
    const plan = assignWaves(await planWithWarnings(flags, "look"), flags.waves);
    process.stdout.write(
      flags.json ? `${JSON.stringify(planToJson(plan), null, 2)}\n` : formatPlanToml(plan),
    );
    return 0;
  }

  if (command === "status" || command === "diff") return await inspect(command, flags);
  if (command === "check") return await checkCommand(flags);
  if (command === "exec") return await execCommand(flags);
  if (command === "secrets") return await secretsCommand(flags);

  const emit = emitter(reporterFor(flags));
  try {
    // A rollback deploys nothing new: it needs the evaluation, not the checks.
    const resolveFlags = command === "rollback" ? { ...flags, skipChecks: true } : flags;
    const { plan: resolved, warnings } = await resolvePlan(resolveFlags, {
      onPhase: (phase, repo) => emit({ type: "phase", phase, message: repo }),
      onCheckLine: (_repo, line) => emit({ type: "log", source: "nix", line }),
    });
    for (const w of warnings) emit({ type: "warning", message: w });
    // --waves names nodes: checked against the selection before anything is asked or built.
    const plan = command === "rollback" ? resolved : assignWaves(resolved, flags.waves);

    const passwords = await sudoPasswords(plan);
    if (flags.interactive) {
      process.stderr.write(
        `The following profiles are going to be deployed:\n\n${formatPlanToml(plan)}\n`,
      );
      if (!await askYesNo("Are you sure you want to deploy these profiles?")) {
        throw new CancelledError("deployment cancelled; nothing was changed");
      }
    }
    const results = command === "rollback"
      ? await rollbackProfiles(
        { plan, jobs: flags.jobs, checkSigs: flags.checksigs, passwords, emit },
        flags.rollbackTo,
      )
      : await runPipeline({ ...pipelineOptions(flags), plan, emit, passwords });
    const ok = results.every((r) => r.ok);
    emit({
      type: "summary",
      ok,
      profiles: results,
      ...(flags.skipHealthChecks ? { healthChecksSkipped: true } : {}),
      ...(command === "rollback" ? { rollback: true } : {}),
    });
    return deploymentExitCode(results);
  } catch (e) {
    if (e instanceof DeployError) emit({ type: "error", ...e.context, message: e.describe() });
    throw e;
  }
}

/** `status` and `diff`: look, change nothing. */
async function inspect(command: "status" | "diff", flags: DeployFlags): Promise<number> {
  const plan = await planWithWarnings(flags, "look");
  const passwords = await sudoPasswords(plan);
  const o = { plan, jobs: flags.jobs, checkSigs: flags.checksigs, passwords };
  if (command === "status") {
    const reports = await profileStatuses(o);
    process.stdout.write(
      flags.json
        ? `${JSON.stringify({ profiles: reports }, null, 2)}\n`
        : showEscaped(formatStatus(reports)),
    );
    return reports.every((r) => !r.error) ? EXIT_CODES.ok : EXIT_CODES.failedUnchanged;
  }
  const diffs = await diffProfiles(o, flags.extraNixArgs);
  if (flags.json) process.stdout.write(`${JSON.stringify({ profiles: diffs }, null, 2)}\n`);
  else {
    for (const d of diffs) process.stdout.write(showEscaped(formatProfileDiff(d)));
  }
  return diffs.every((d) => !d.error) ? EXIT_CODES.ok : EXIT_CODES.failedUnchanged;
}

/** `deploy check`: run every selected profile's health checks once, now; deploy nothing. */
async function checkCommand(flags: DeployFlags): Promise<number> {
  const plan = await planWithWarnings(flags, "look");
  const passwords = await sudoPasswords(
    plan.filter((p) => Object.keys(hostSideChecks(p.settings.healthChecks)).length),
  );
  const reports = await checkProfiles({
    plan,
    jobs: flags.jobs,
    checkSigs: flags.checksigs,
    passwords,
  });
  process.stdout.write(
    flags.json
      ? `${JSON.stringify({ ok: reports.every((r) => r.ok), profiles: reports }, null, 2)}\n`
      : showEscaped(formatCheckReports(reports)),
  );
  return reports.every((r) => r.ok) ? EXIT_CODES.ok : EXIT_CODES.failedUnchanged;
}

/** `deploy secrets`: write the selected profiles' secrets now; deploy nothing else. */
async function secretsCommand(flags: DeployFlags): Promise<number> {
  const plan = await planWithWarnings(flags, "look");
  const withSecrets = plan.filter((p) => Object.keys(p.settings.secrets).length);
  const passwords = await sudoPasswords(withSecrets);
  const o = { plan: withSecrets, jobs: flags.jobs, checkSigs: flags.checksigs, passwords };
  const reports = await uploadProfileSecrets(o);
  const ok = reports.every((r) => r.ok);
  process.stdout.write(
    flags.json
      ? `${JSON.stringify({ ok, profiles: reports }, null, 2)}\n`
      : showEscaped(formatSecretsReports(reports)),
  );
  return ok ? EXIT_CODES.ok : EXIT_CODES.failedUnchanged;
}

/**
 * The plan, its warnings said on stderr. Commands that deploy nothing
 * (`look`: plan, status, diff, check) need the evaluation, not the
 * pre-deploy checks.
 */
async function planWithWarnings(
  flags: DeployFlags,
  purpose: "deploy" | "look" = "deploy",
): Promise<ProfilePlan[]> {
  const { plan, warnings } = await resolvePlan(
    purpose === "look" ? { ...flags, skipChecks: true } : flags,
  );
  for (const w of warnings) process.stderr.write(`deploy: warning: ${w}\n`);
  return plan;
}

/** The command line's flags as the pipeline's policy, said once. */
export function pipelineOptions(
  flags: DeployFlags,
): Omit<PipelineOptions, "plan" | "emit" | "passwords"> {
  return {
    goal: flags.dryActivate ? "dry-activate" : flags.boot ? "boot" : "switch",
    onFailure: flags.keepGoing
      ? "keep-going"
      : flags.rollbackSucceeded
      ? "stop-and-revoke"
      : "stop",
    jobs: flags.jobs,
    checkSigs: flags.checksigs,
    ...(flags.keepResult ? { gcRoots: flags.resultPath } : {}),
    extraNixArgs: flags.extraNixArgs,
    ...(flags.waves === undefined ? {} : { waves: flags.waves }),
    ...(flags.wavePause === undefined ? {} : { wavePause: flags.wavePause }),
    maxFailures: flags.maxFailures,
  };
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
