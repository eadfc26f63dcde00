/**
 * Talking to the helper on a host: activate a profile and follow the run,
 * confirm it over a fresh connection, reattach with `wait` when the session
 * drops, and revoke.
 */
import { hostname, userInfo } from "node:os";
import type { ProfilePlan } from "../config/plan.ts";
import {
  DECLINE_PREFIX,
  type HelperEvent,
  offerLine,
  offerTokenArgv,
  type Outcome,
} from "../wire/protocol.ts";
import { parseHelperEvent, parseProfileDescription } from "./helper_output.ts";
import { lastLines, type RunResult } from "../process/run.ts";
import type { Transport } from "../ssh/transport.ts";
import { DeployError } from "../shared/errors.ts";
import type { ProfileDescription } from "../helper/query.ts";
import { encodeCall, type HelperCall, type ProfileRef } from "../wire/requests.ts";
import { elevationPrefix, needsPassword, stdinFor } from "./elevation.ts";
import type { ActivationGoal } from "../shared/vocabulary.ts";
import {
  type CheckResult,
  deployerSideChecks,
  describeFailure,
  describeResult,
  type HealthChecks,
  hostSideChecks,
} from "../shared/health_checks.ts";
import { deployerChecksHealthy } from "./health_probe.ts";
import { followLimitMs } from "./follow_deadline.ts";

export interface HelperContext {
  transport: Transport;
  /** The deploy-ts package on the host. */
  helper: string;
  /** Who is deploying (see deployerName), for the host's record. */
  deployer: string;
  /**
   * The sudo password, given only when sudo on this host asks for it for the
   * profile's user (HelperHost asks the host first): a sudo that does not ask
   * would leave it on the command's stdin.
   */
  password?: string;
  onLog: (line: string, source: "host" | "ssh" | "health") => void;
  onPhase: (phase: "activating" | "confirming", message?: string) => void;
}

export interface HelperOutcome {
  outcome: Outcome | "lost";
  ok: boolean;
  message: string;
  runDir?: string;
  previousGeneration?: number | null;
  newGeneration?: number | null;
  /** newGeneration when this run created it (see RunStatus.createdGeneration). */
  createdGeneration?: number | null;
  /** The health check that kept failing, with its last output. */
  failedCheck?: { name: string; output: string };
}

/** What an activation is for, and (for `deploy rollback`) the generation it goes back to. */
export interface ActivationMode {
  goal: ActivationGoal;
  /** `deploy rollback`: go back to this existing generation, whose closure is `closure`. */
  generation?: number;
  /** What to activate, when it is not the plan's `path` (a generation being gone back to). */
  closure?: string;
}

/**
 * The health checks of an activation: none for `deploy rollback` (going back
 * must not be undone by a check of what is being left) and for boot and dry
 * activations (nothing new runs).
 */
export function activationChecks(plan: ProfilePlan, mode: ActivationMode): HealthChecks {
  return mode.goal === "switch" && mode.generation === undefined ? plan.settings.healthChecks : {};
}

/** Who is deploying, for the host's record. */
export function deployerName(): string {
  return `${userInfo().username}@${hostname()}`;
}

/** Which profile on the host: the explicit profilePath, else the user's profile of that name. */
function profileRef(plan: ProfilePlan): ProfileRef {
  return plan.profilePath !== undefined
    ? { path: plan.profilePath }
    : { user: plan.settings.user, name: plan.profile };
}

/** A command for the host: its argv, and what goes to its stdin. */
export interface HostCommand {
  argv: string[];
  input?: string;
}

/**
 * A command run as the profile's user: through sudo when the user differs,
 * with the sudo password first on stdin only when that sudo asks for it (a
 * profile of the ssh user runs without sudo and never sees it), then the
 * command's own input.
 */
export function asProfileUser(
  plan: ProfilePlan,
  ctx: Pick<HelperContext, "password">,
  argv: readonly string[],
  input = "",
): HostCommand {
  const password = needsPassword(plan.settings) ? ctx.password : undefined;
  return {
    argv: [...elevationPrefix(plan.settings, password !== undefined), ...argv],
    input: stdinFor(password, input),
  };
}

/**
 * `deploy COMMAND ARGS…` of the helper on the host, run as the profile's
 * user; the call (argv, and the request line for stdin) comes from
 * requests.ts's encodeCall.
 */
export function helperCommand(
  plan: ProfilePlan,
  ctx: Pick<HelperContext, "helper" | "password">,
  call: HelperCall,
): HostCommand {
  return asProfileUser(plan, ctx, [`${ctx.helper}/bin/deploy`, ...call.argv], call.stdin);
}

/**
 * `deploy activate` on the host, as the profile's user (pure; tested). The
 * host's checks go in the request line on stdin, never on argv.
 */
export function activateCommand(
  plan: ProfilePlan,
  ctx: Pick<HelperContext, "helper" | "deployer" | "password">,
  mode: ActivationMode,
): HostCommand {
  const s = plan.settings;
  const checks = activationChecks(plan, mode);
  const onHost = hostSideChecks(checks);
  const anyChecks = Object.keys(checks).length > 0;
  return helperCommand(
    plan,
    ctx,
    encodeCall("activate", {
      closure: mode.closure ?? plan.path,
      profile: profileRef(plan),
      tempPath: s.tempPath,
      confirmTimeout: s.confirmTimeout,
      activationTimeout: s.activationTimeout,
      magicRollback: s.magicRollback,
      autoRollback: s.autoRollback,
      goal: mode.goal,
      generation: mode.generation,
      deployer: ctx.deployer,
      ...(anyChecks
        ? {
          healthChecks: Object.keys(onHost).length ? JSON.stringify(onHost) : undefined,
          healthTimeout: s.healthTimeout,
          healthInterval: s.healthInterval,
        }
        : {}),
    }),
  );
}

/** The deployer's own checks of a profile, logged as they change. */
async function deployerChecks(
  plan: ProfilePlan,
  ctx: HelperContext,
  checks: HealthChecks,
): Promise<CheckResult | undefined> {
  const mine = deployerSideChecks(checks);
  if (Object.keys(mine).length === 0) return undefined;
  ctx.onLog(
    `running health checks from the deployer: ${
      Object.keys(mine).join(", ")
    } (up to ${plan.settings.healthTimeout}s)`,
    "health",
  );
  const verdict = await deployerChecksHealthy(mine, {
    timeoutSeconds: plan.settings.healthTimeout,
    intervalSeconds: plan.settings.healthInterval,
    onResult: (r) => ctx.onLog(describeResult(r), "health"),
  });
  if (verdict.ok) {
    ctx.onLog("health checks from the deployer passed", "health");
    return undefined;
  }
  return verdict.failed;
}

/** Follows helper events from one or more SSH sessions to the outcome. */
class RunFollower {
  runDir?: string;
  token?: string;
  outcome?: Extract<HelperEvent, { type: "outcome" }>;
  confirmation?: Promise<void>;
  confirmError?: string;
  failedCheck?: CheckResult;
  /** Aborts the SSH sessions once the host's outcome is overdue (see follow_deadline.ts). */
  readonly giveUp = new AbortController();
  #overdue?: ReturnType<typeof setTimeout>;

  constructor(
    readonly plan: ProfilePlan,
    readonly ctx: HelperContext,
    readonly checks: HealthChecks = {},
  ) {}

  onLine = (line: string) => {
    let e: HelperEvent | undefined;
    try {
      e = parseHelperEvent(line, { node: this.plan.node, profile: this.plan.profile });
    } catch (error) {
      // Shown, and the run ends without an outcome: never guessed from a malformed event.
      this.ctx.onLog((error as Error).message, "ssh");
      return;
    }
    if (!e) {
      if (line.trim()) this.ctx.onLog(line, "ssh");
      return;
    }
    switch (e.type) {
      case "run":
        this.runDir = e.runDir;
        if (e.token) this.token = e.token;
        break;
      case "log":
        this.ctx.onLog(e.line, "host");
        break;
      case "phase":
        if (e.phase === "awaiting-confirmation" && !this.confirmation) {
          this.#armWindow();
          this.confirmation = this.confirm();
        }
        break;
      case "outcome":
        this.outcome = e;
        this.stop();
        break;
    }
  };

  /** From the window's opening the host decides alone: follow it for a bounded time only. */
  #armWindow(): void {
    if (this.#overdue) return;
    this.#overdue = setTimeout(() => {
      this.ctx.onLog(
        `no outcome from the host within ${
          Math.round(followLimitMs(this.plan.settings) / 1000)
        }s of its window opening; giving up (the host decides by itself)`,
        "ssh",
      );
      this.giveUp.abort();
    }, followLimitMs(this.plan.settings));
  }

  /**
   * A session, ended when the follower gives up even if its ssh lingers: a
   * multiplexed ssh hands its pipes to the master, so killing the client
   * does not close them, and waiting for them would wait for the host.
   */
  bounded(session: Promise<RunResult>): Promise<RunResult> {
    const signal = this.giveUp.signal;
    const gaveUp = (): RunResult => ({
      argv: [],
      code: null,
      signal: "SIGTERM",
      stdout: "",
      stderr: "",
      timedOut: true,
    });
    if (signal.aborted) return Promise.resolve(gaveUp());
    return Promise.race([
      session,
      new Promise<RunResult>((resolve) =>
        signal.addEventListener("abort", () => resolve(gaveUp()), { once: true })
      ),
    ]);
  }

  /** Done following: no timer keeps the deployer alive. */
  stop(): void {
    if (this.#overdue) clearTimeout(this.#overdue);
  }

  /** Prove that a new login works: confirm over a connection that bypasses the master. */
  async confirm(): Promise<void> {
    // Only a profile that passed every check is confirmed; without the
    // confirmation the host rolls back by itself when its window closes.
    if (Object.keys(deployerSideChecks(this.checks)).length) {
      this.ctx.onPhase("confirming", "running health checks");
      this.failedCheck = await deployerChecks(this.plan, this.ctx, this.checks);
      if (this.failedCheck) {
        const why = describeFailure(this.failedCheck, this.plan.settings.healthTimeout);
        this.ctx.onLog(`${why}; not confirming`, "health");
        // Tell the host, so that it rolls back now rather than when its
        // window closes; if that fails, the window still does it.
        const told = await this.offer(`${DECLINE_PREFIX}${this.token} ${why}`);
        // The host's outcome then names the check itself.
        if (!told) {
          this.confirmError =
            `${why}; not confirmed, so the host rolls back by itself when its window closes`;
        }
        return;
      }
    }
    this.ctx.onPhase("confirming", "confirming over a new SSH connection");
    // A shell as the profile's user hands the token to the waiting worker,
    // which checks it: proving a new login (and sudo) works costs no second
    // start of the helper.
    const r = await this.#offerRun(this.token!);
    if (r.code !== 0) {
      const why = r.timedOut
        ? `no answer within confirmTimeout (${this.plan.settings.confirmTimeout}s)`
        : lastLines(r.stderr, 3) || `exit ${r.code}`;
      this.confirmError =
        `confirming over a new connection failed (${why}); the host rolls back by itself`;
      this.ctx.onLog(this.confirmError, "ssh");
    }
  }

  /** Offer the token (or a decline) to the waiting worker over a new connection; true when it got there. */
  async offer(offer: string): Promise<boolean> {
    return (await this.#offerRun(offer)).code === 0;
  }

  #offerRun(offer: string): Promise<RunResult> {
    const { argv, input } = asProfileUser(
      this.plan,
      this.ctx,
      offerTokenArgv(this.runDir!),
      offerLine(offer),
    );
    return this.ctx.transport.runFresh(
      argv,
      {
        input,
        // The host stops accepting a confirmation confirmTimeout after its
        // window opened, which was before this started: a login hanging
        // longer can no longer confirm, and must not hold the deployer.
        timeoutMs: this.plan.settings.confirmTimeout * 1000,
      },
    );
  }
}

export async function activateProfile(
  plan: ProfilePlan,
  ctx: HelperContext,
  mode: ActivationMode,
): Promise<HelperOutcome> {
  const checks = activationChecks(plan, mode);
  const follower = new RunFollower(plan, ctx, checks);
  ctx.onPhase("activating");
  const activate = activateCommand(plan, ctx, mode);
  let session: RunResult = await follower.bounded(ctx.transport.run(activate.argv, {
    input: activate.input,
    onStdoutLine: follower.onLine,
    onStderrLine: (l) => l.trim() && ctx.onLog(l, "ssh"),
    signal: follower.giveUp.signal,
  }));
  // A dropped connection does not stop the run on the host: reattach and follow it.
  for (
    let attempt = 1;
    !follower.outcome && follower.runDir && !follower.giveUp.signal.aborted && attempt <= 5;
    attempt++
  ) {
    ctx.onLog(
      `the SSH session ended (${session.code}); reattaching to ${follower.runDir} (attempt ${attempt})`,
      "ssh",
    );
    await new Promise((r) => setTimeout(r, 1000 * attempt));
    const wait = helperCommand(plan, ctx, encodeCall("wait", { runDir: follower.runDir }));
    session = await follower.bounded(ctx.transport.runFresh(
      wait.argv,
      { input: wait.input, onStdoutLine: follower.onLine, signal: follower.giveUp.signal },
    ));
  }
  await follower.confirmation;
  follower.stop();
  const o = follower.outcome;
  if (!o) {
    const why = follower.giveUp.signal.aborted
      ? `no outcome within ${
        Math.round(followLimitMs(plan.settings) / 1000)
      }s of the window opening (confirmTimeout ${plan.settings.confirmTimeout}s, healthTimeout ${plan.settings.healthTimeout}s)`
      : lastLines(session.stderr, 5) || `ssh exited with code ${session.code}`;
    return {
      outcome: "lost",
      ok: false,
      message: follower.runDir
        ? `lost contact with the host during activation (${why}); the host decides by itself (run ${follower.runDir})`
        : `the helper did not start: ${why}`,
      runDir: follower.runDir,
    };
  }
  const message = follower.confirmError && !o.ok
    ? `${o.message} (${follower.confirmError})`
    : o.message;
  const failed = follower.failedCheck ?? o.status.failedCheck;
  const outcome: HelperOutcome = {
    outcome: o.outcome,
    ok: o.ok,
    message,
    runDir: follower.runDir,
    previousGeneration: o.status.previousGeneration,
    newGeneration: o.status.newGeneration,
    createdGeneration: o.status.createdGeneration,
    ...(failed && !o.ok ? { failedCheck: { name: failed.name, output: failed.output } } : {}),
  };
  // Without magic rollback nothing waits for the deployer's checks: they run
  // now, and a failure rolls back explicitly (autoRollback).
  if (o.outcome === "activated" && !plan.settings.magicRollback) {
    return await checkAfterActivation(plan, ctx, checks, outcome);
  }
  return outcome;
}

async function checkAfterActivation(
  plan: ProfilePlan,
  ctx: HelperContext,
  checks: HealthChecks,
  activated: HelperOutcome,
): Promise<HelperOutcome> {
  const failed = await deployerChecks(plan, ctx, checks);
  if (!failed) return activated;
  const why = describeFailure(failed, plan.settings.healthTimeout);
  const failedCheck = { name: failed.name, output: failed.output };
  if (!plan.settings.autoRollback) {
    return {
      ...activated,
      outcome: "failed",
      ok: false,
      message: `${why}; autoRollback is off, so generation ${activated.newGeneration} stays active`,
      failedCheck,
    };
  }
  ctx.onPhase("activating", "rolling back: a health check failed");
  const back = await revokeProfile(plan, ctx, {
    previous: activated.previousGeneration ?? null,
    activated: activated.newGeneration ?? null,
    created: activated.createdGeneration ?? null,
  }, false);
  return {
    ...activated,
    outcome: back.ok ? "rolled-back" : "failed",
    ok: false,
    message: back.ok ? `${why}; ${back.message}` : `${why}; rolling back failed: ${back.message}`,
    failedCheck,
  };
}

/** The profile as its host sees it: generations, closure, last record. */
export async function queryProfile(
  plan: ProfilePlan,
  ctx: HelperContext,
): Promise<ProfileDescription> {
  const query = helperCommand(plan, ctx, encodeCall("query", { profile: profileRef(plan) }));
  const r = await ctx.transport.run(query.argv, { input: query.input });
  if (r.code !== 0) {
    throw new DeployError(
      `querying the profile failed: ${lastLines(r.stderr, 5) || `exit ${r.code}`}`,
      {
        node: plan.node,
        profile: plan.profile,
      },
    );
  }
  return parseProfileDescription(r.stdout, { node: plan.node, profile: plan.profile });
}

/** What a revoke goes back to, and what it may undo. */
export interface RevokeGenerations {
  previous: number | null;
  /** The generation this run activated: revoke only while it is still active. */
  activated: number | null;
  /** The generation this run created, to delete; null when it existed before. */
  created: number | null;
}

/** Put a profile back on the generation it had before this run. */
export async function revokeProfile(
  plan: ProfilePlan,
  ctx: HelperContext,
  generations: RevokeGenerations,
  boot: boolean,
): Promise<HelperOutcome> {
  const follower = new RunFollower(plan, ctx);
  const revoke = helperCommand(
    plan,
    ctx,
    encodeCall("revoke", {
      profile: profileRef(plan),
      tempPath: plan.settings.tempPath,
      toGeneration: generations.previous,
      // Left out when unknown: the host then expects the generation it removes.
      expectGeneration: generations.activated ?? undefined,
      removeGeneration: generations.created ?? undefined,
      boot,
      deployer: ctx.deployer,
    }),
  );
  const r = await ctx.transport.run(revoke.argv, {
    input: revoke.input,
    onStdoutLine: follower.onLine,
  });
  const o = follower.outcome;
  if (!o) {
    return { outcome: "lost", ok: false, message: `revoking failed: ${lastLines(r.stderr, 5)}` };
  }
  return { outcome: o.outcome, ok: o.ok, message: o.message, runDir: follower.runDir };
}

/** `deploy check-health` on the host: each host-side check once, as the profile's user. */
/**
 * How long `deploy check` waits for the host's answer: each check is bounded
 * by healthTimeout there, so a host (or a session) that says nothing past
 * that, with a margin for the login, is given up on.
 */
export function checkHealthLimitMs(plan: ProfilePlan, checks: Record<string, string[]>): number {
  return (plan.settings.healthTimeout * Math.max(1, Object.keys(checks).length) + 15) * 1000;
}

export async function checkHealthOnHost(
  plan: ProfilePlan,
  ctx: HelperContext,
  checks: Record<string, string[]>,
  limitMs = checkHealthLimitMs(plan, checks),
): Promise<CheckResult[]> {
  // The checks go in the request line on stdin, never on argv.
  const check = helperCommand(
    plan,
    ctx,
    encodeCall("check-health", {
      healthChecks: JSON.stringify(checks),
      healthTimeout: plan.settings.healthTimeout,
    }),
  );
  const limit = AbortSignal.timeout(limitMs);
  const r = await ctx.transport.run(check.argv, { input: check.input, signal: limit });
  const where = { node: plan.node, profile: plan.profile };
  if (limit.aborted) {
    throw new DeployError(
      `the host gave no answer to its health checks within ${Math.round(limitMs / 1000)}s`,
      where,
    );
  }
  if (r.code !== 0) {
    throw new DeployError(
      `running the health checks on the host failed: ${lastLines(r.stderr, 5) || `exit ${r.code}`}`,
      where,
    );
  }
  let results: unknown;
  try {
    results = JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "");
  } catch {
    results = undefined;
  }
  const valid = Array.isArray(results) &&
    results.every((x) =>
      x && typeof x.name === "string" && typeof x.ok === "boolean" && typeof x.output === "string"
    );
  if (!valid) {
    throw new DeployError(
      "the helper's health check results are not what deploy-ts expects",
      where,
    );
  }
  return (results as CheckResult[]).map((x) => ({
    name: x.name,
    kind: "command",
    ok: x.ok,
    output: x.output,
  }));
}
