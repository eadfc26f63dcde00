/**
 * Talking to the helper on a host: activate a profile and follow the run,
 * confirm it over a fresh connection, reattach with `wait` when the session
 * drops, and revoke.
 */
import { hostname, userInfo } from "node:os";
import type { ProfilePlan } from "../config/plan.ts";
import { type HelperEvent, offerTokenArgv, type Outcome } from "../helper/protocol.ts";
import { parseHelperEvent, parseProfileDescription } from "./helper_output.ts";
import { lastLines, type RunResult } from "../process/run.ts";
import type { Transport } from "../ssh/transport.ts";
import { DeployError } from "../errors.ts";
import type { ProfileDescription } from "../helper/query.ts";
import { encodeRequest, type HelperCommand, type ProfileRef } from "../helper/requests.ts";
import { elevationPrefix, needsPassword, stdinFor } from "./elevation.ts";
import type { ActivationGoal } from "../vocabulary.ts";

export interface HelperContext {
  transport: Transport;
  /** The deploy-ts package on the host. */
  helper: string;
  /** Who is deploying (see deployerName), for the host's record. */
  deployer: string;
  password?: string;
  onLog: (line: string, source: "host" | "ssh") => void;
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
}

/** What an activation is for, and (for `deploy rollback`) the generation it goes back to. */
export interface ActivationMode {
  goal: ActivationGoal;
  generation?: number;
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

/** The options naming the profile, as every profile command of the helper spells them. */
export function profileArgs(plan: ProfilePlan): string[] {
  return encodeRequest("query", { profile: profileRef(plan) }).slice(1);
}

/**
 * `deploy COMMAND ARGS…` of the helper on the host, run as the profile's
 * user; COMMAND ARGS… come from requests.ts's encodeRequest.
 */
export function helperArgv(
  plan: ProfilePlan,
  helper: string,
  command: HelperCommand,
  ...args: string[]
): string[] {
  return [...elevationPrefix(plan.settings), `${helper}/bin/deploy`, command, ...args];
}

/**
 * stdin of a helper command: the sudo password first, only when the command
 * goes through sudo (the password is the node's; a profile of the ssh user
 * runs without sudo and never sees it).
 */
function helperStdin(plan: ProfilePlan, ctx: HelperContext, input = ""): string | undefined {
  return stdinFor(needsPassword(plan.settings) ? ctx.password : undefined, input);
}

/** The argv of `deploy activate` on the host, as the profile's user (pure; tested). */
export function activateArgv(
  plan: ProfilePlan,
  ctx: Pick<HelperContext, "helper" | "deployer">,
  mode: ActivationMode,
): string[] {
  const s = plan.settings;
  return helperArgv(
    plan,
    ctx.helper,
    ...encodeRequest("activate", {
      closure: plan.path,
      profile: profileRef(plan),
      tempPath: s.tempPath,
      confirmTimeout: s.confirmTimeout,
      activationTimeout: s.activationTimeout,
      magicRollback: s.magicRollback,
      autoRollback: s.autoRollback,
      goal: mode.goal,
      generation: mode.generation,
      deployer: ctx.deployer,
    }),
  );
}

/** Follows helper events from one or more SSH sessions to the outcome. */
class RunFollower {
  runDir?: string;
  token?: string;
  outcome?: Extract<HelperEvent, { type: "outcome" }>;
  confirmation?: Promise<void>;
  confirmError?: string;

  constructor(readonly plan: ProfilePlan, readonly ctx: HelperContext) {}

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
          this.confirmation = this.confirm();
        }
        break;
      case "outcome":
        this.outcome = e;
        break;
    }
  };

  /** Prove that a new login works: confirm over a connection that bypasses the master. */
  async confirm(): Promise<void> {
    this.ctx.onPhase("confirming", "confirming over a new SSH connection");
    // A shell as the profile's user hands the token to the waiting worker,
    // which checks it: proving a new login (and sudo) works costs no second
    // start of the helper.
    const r = await this.ctx.transport.runFresh(
      [...elevationPrefix(this.plan.settings), ...offerTokenArgv(this.runDir!)],
      {
        input: helperStdin(this.plan, this.ctx, `${this.token}\n`),
        // The host stops accepting a confirmation confirmTimeout after its
        // window opened, which was before this started: a login hanging
        // longer can no longer confirm, and must not hold the deployer.
        timeoutMs: this.plan.settings.confirmTimeout * 1000,
      },
    );
    if (r.code !== 0) {
      const why = r.timedOut
        ? `no answer within confirmTimeout (${this.plan.settings.confirmTimeout}s)`
        : lastLines(r.stderr, 3) || `exit ${r.code}`;
      this.confirmError =
        `confirming over a new connection failed (${why}); the host rolls back by itself`;
      this.ctx.onLog(this.confirmError, "ssh");
    }
  }
}

export async function activateProfile(
  plan: ProfilePlan,
  ctx: HelperContext,
  mode: ActivationMode,
): Promise<HelperOutcome> {
  const follower = new RunFollower(plan, ctx);
  ctx.onPhase("activating");
  let session: RunResult = await ctx.transport.run(activateArgv(plan, ctx, mode), {
    input: helperStdin(plan, ctx),
    onStdoutLine: follower.onLine,
    onStderrLine: (l) => l.trim() && ctx.onLog(l, "ssh"),
  });
  // A dropped connection does not stop the run on the host: reattach and follow it.
  for (let attempt = 1; !follower.outcome && follower.runDir && attempt <= 5; attempt++) {
    ctx.onLog(
      `the SSH session ended (${session.code}); reattaching to ${follower.runDir} (attempt ${attempt})`,
      "ssh",
    );
    await new Promise((r) => setTimeout(r, 1000 * attempt));
    session = await ctx.transport.runFresh(
      helperArgv(plan, ctx.helper, ...encodeRequest("wait", { runDir: follower.runDir })),
      { input: helperStdin(plan, ctx), onStdoutLine: follower.onLine },
    );
  }
  await follower.confirmation;
  const o = follower.outcome;
  if (!o) {
    const why = lastLines(session.stderr, 5) || `ssh exited with code ${session.code}`;
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
  return {
    outcome: o.outcome,
    ok: o.ok,
    message,
    runDir: follower.runDir,
    previousGeneration: o.status.previousGeneration,
    newGeneration: o.status.newGeneration,
    createdGeneration: o.status.createdGeneration,
  };
}

/** The profile as its host sees it: generations, closure, last record. */
export async function queryProfile(
  plan: ProfilePlan,
  ctx: HelperContext,
): Promise<ProfileDescription> {
  const r = await ctx.transport.run(
    helperArgv(plan, ctx.helper, ...encodeRequest("query", { profile: profileRef(plan) })),
    { input: helperStdin(plan, ctx) },
  );
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
  const argv = helperArgv(
    plan,
    ctx.helper,
    ...encodeRequest("revoke", {
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
  const r = await ctx.transport.run(argv, {
    input: helperStdin(plan, ctx),
    onStdoutLine: follower.onLine,
  });
  const o = follower.outcome;
  if (!o) {
    return { outcome: "lost", ok: false, message: `revoking failed: ${lastLines(r.stderr, 5)}` };
  }
  return { outcome: o.outcome, ok: o.ok, message: o.message, runDir: follower.runDir };
}
