/**
 * The Host verbs over a transport and deploy-ts's helper package on the
 * host, each in full here: activate (following the run, reattaching with
 * `deploy wait` when the session drops, and without magic rollback the
 * deployer's checks afterwards), revoke, query and check-health, as the
 * profile's user with the sudo password only for a sudo that asks for it.
 */
import type { ProfilePlan } from "../config/plan.ts";
import { DeployError } from "../shared/errors.ts";
import { type CopyOptions, copyToHost } from "../nix/copy.ts";
import type { StoreTarget } from "../nix/store_target.ts";
import {
  deletePathsArgv,
  FETCH_LIMIT_SECONDS,
  FETCH_TIMED_OUT,
  hostFetchArgv,
  invalidPathsArgvs,
  queryNarHashes,
  referrersArgv,
  trustedPathsArgvs,
} from "../nix/binary_cache.ts";
import type { ProfileDescription } from "../helper/query.ts";
import { lastLines, type RunResult } from "../process/run.ts";
import type { Transport } from "../ssh/transport.ts";
import { type CheckResult, describeFailure, type HealthChecks } from "../shared/health_checks.ts";
import type {
  ActivationMode,
  HelperOutcome,
  Host,
  ProfileWatch,
  RevokeGenerations,
  SecretsUploaded,
} from "./host.ts";
import {
  activateCommand,
  checkHealthCommand,
  type CommandContext,
  queryCommand,
  revokeCommand,
  waitCommand,
} from "./helper_commands.ts";
import { type FollowContext, RunFollower } from "./run_follower.ts";
import { activationChecks, deployerChecks } from "./health_gate.ts";
import { checkHealthLimitMs } from "./deadlines.ts";
import { parseCheckResults, parseProfileDescription } from "./helper_output.ts";
import { needsPassword } from "./elevation.ts";
import { SudoPasswords } from "./sudo_passwords.ts";
import type { SecretState, SecretUpload } from "../shared/secrets.ts";
import {
  dropSecretBackupsCommand,
  secretStatusCommand,
  uploadSecretsCommand,
} from "./helper_commands.ts";

/** What every HelperHost of a run shares. */
export interface HelperSetup {
  /** The deploy-ts package, copied to each host. */
  package: string;
  /** Who is deploying, for the host's record. */
  deployer: string;
  /** Sudo passwords by node, for interactiveSudo. */
  passwords: ReadonlyMap<string, string>;
}

/** How many times a dropped activation session is followed again with `deploy wait`. */
const REATTACH_ATTEMPTS = 5;

/** The verbs over a transport and deploy-ts's helper package on the host. */
export class HelperHost implements Host {
  readonly destination: string;

  constructor(
    readonly transport: Transport,
    readonly helper: HelperSetup,
  ) {
    this.destination = transport.destination;
    this.#sudo = new SudoPasswords(transport);
  }

  open(): Promise<void> {
    return this.transport.open();
  }

  copy(
    paths: readonly string[],
    options: Omit<CopyOptions, "context"> & { node: string },
  ): Promise<void> {
    const { node, ...rest } = options;
    return copyToHost(this.transport.nixStore(), paths, { ...rest, context: { node } });
  }

  async missingPaths(paths: readonly string[]): Promise<string[]> {
    const missing: string[] = [];
    for (const argv of invalidPathsArgvs(paths)) {
      const r = await this.transport.run(argv);
      if (r.code !== 0) {
        throw new DeployError(
          `asking ${this.destination} which paths it has failed: ${lastLines(r.stderr, 5)}`,
        );
      }
      missing.push(...r.stdout.split("\n").filter((l) => l.startsWith("/")));
    }
    return missing;
  }

  async fetchFromCache(
    url: string,
    paths: readonly string[],
    onLine?: (line: string) => void,
  ): Promise<{ code: number; timedOut: boolean }> {
    // The host's `timeout` ends the fetch; this one, later, a host that does not answer.
    const limit = AbortSignal.timeout((FETCH_LIMIT_SECONDS + 30) * 1000);
    try {
      const r = await this.transport.run(hostFetchArgv(url, paths), {
        onStderrLine: onLine,
        signal: limit,
      });
      return { code: r.code ?? -1, timedOut: limit.aborted || r.code === FETCH_TIMED_OUT };
    } catch {
      return { code: -1, timedOut: limit.aborted };
    }
  }

  narHashes(paths: readonly string[]): Promise<Map<string, string>> {
    return queryNarHashes(paths, (argv) => this.transport.run(argv));
  }

  async trustsPaths(paths: readonly string[]): Promise<boolean> {
    for (const argv of trustedPathsArgvs(paths)) {
      if ((await this.transport.run(argv)).code !== 0) return false;
    }
    return true;
  }

  async deletePaths(paths: readonly string[]): Promise<string[]> {
    const referrers = await this.transport.run(referrersArgv(paths));
    const all = referrers.stdout.split("\n").filter((l) => l.startsWith("/"));
    if (referrers.code !== 0 || all.length === 0) {
      throw new Error(
        lastLines(referrers.stderr, 5) || `nix-store --query exited ${referrers.code}`,
      );
    }
    const r = await this.transport.run(deletePathsArgv(all));
    if (r.code !== 0) {
      throw new Error(lastLines(r.stderr, 5) || `nix-store --delete exited ${r.code}`);
    }
    return all;
  }

  async realise(p: ProfilePlan, onLine?: (line: string) => void): Promise<void> {
    const r = await this.transport.run(["nix-store", "--realise", p.drvPath!], {
      onStderrLine: onLine,
    });
    if (r.code !== 0) {
      throw new DeployError(`building on ${this.destination} failed:\n${lastLines(r.stderr, 20)}`, {
        node: p.node,
        profile: p.profile,
      });
    }
  }

  async activate(
    p: ProfilePlan,
    mode: ActivationMode,
    watch: ProfileWatch,
  ): Promise<HelperOutcome> {
    const ctx = await this.#followContext(p, watch).catch(refused);
    if ("outcome" in ctx) return ctx;
    const checks = activationChecks(p, mode);
    const follower = new RunFollower(p, ctx, checks);
    ctx.onPhase("activating");
    const activate = activateCommand(p, ctx, mode);
    let session: RunResult = await follower.bounded(this.transport.run(activate.argv, {
      input: activate.input,
      onStdoutLine: follower.onLine,
      onStderrLine: (l) => l.trim() && ctx.onLog(l, "ssh"),
      signal: follower.giveUp.signal,
    }));
    // A dropped connection does not stop the run on the host: reattach and follow it.
    for (
      let attempt = 1;
      !follower.outcome && follower.runDir && !follower.giveUp.signal.aborted &&
      attempt <= REATTACH_ATTEMPTS;
      attempt++
    ) {
      ctx.onLog(
        `the SSH session ended (${session.code}); reattaching to ${follower.runDir} (attempt ${attempt})`,
        "ssh",
      );
      await new Promise((r) => setTimeout(r, 1000 * attempt));
      const wait = waitCommand(p, ctx, follower.runDir);
      session = await follower.bounded(this.transport.runFresh(
        wait.argv,
        { input: wait.input, onStdoutLine: follower.onLine, signal: follower.giveUp.signal },
      ));
    }
    await follower.confirmation;
    follower.stop();
    const outcome = follower.activationOutcome(session);
    // Without magic rollback nothing waits for the deployer's checks: they run
    // now, and a failure rolls back explicitly (autoRollback).
    if (outcome.outcome === "activated" && !p.settings.magicRollback) {
      return await this.#checkAfterActivation(p, ctx, checks, outcome);
    }
    return outcome;
  }

  async #checkAfterActivation(
    p: ProfilePlan,
    ctx: FollowContext,
    checks: HealthChecks,
    activated: HelperOutcome,
  ): Promise<HelperOutcome> {
    const failed = await deployerChecks(p, ctx.onLog, checks);
    if (!failed) return activated;
    const why = describeFailure(failed, p.settings.healthTimeout);
    const failedCheck = { name: failed.name, output: failed.output };
    if (!p.settings.autoRollback) {
      return {
        ...activated,
        outcome: "failed",
        ok: false,
        message:
          `${why}; autoRollback is off, so generation ${activated.newGeneration} stays active`,
        failedCheck,
      };
    }
    ctx.onPhase("activating", "rolling back: a health check failed");
    const back = await this.#revoke(p, ctx, {
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

  async revoke(
    p: ProfilePlan,
    generations: RevokeGenerations & { boot: boolean },
    watch: ProfileWatch,
  ): Promise<HelperOutcome> {
    const ctx = await this.#followContext(p, watch).catch(refused);
    return "outcome" in ctx ? ctx : await this.#revoke(p, ctx, generations, generations.boot);
  }

  async #revoke(
    p: ProfilePlan,
    ctx: FollowContext,
    generations: RevokeGenerations,
    boot: boolean,
  ): Promise<HelperOutcome> {
    const follower = new RunFollower(p, ctx);
    const revoke = revokeCommand(p, ctx, generations, boot);
    const r = await this.transport.run(revoke.argv, {
      input: revoke.input,
      onStdoutLine: follower.onLine,
    });
    const o = follower.outcome;
    if (!o) {
      return { outcome: "lost", ok: false, message: `revoking failed: ${lastLines(r.stderr, 5)}` };
    }
    return { outcome: o.outcome, ok: o.ok, message: o.message, runDir: follower.runDir };
  }

  async query(p: ProfilePlan): Promise<ProfileDescription> {
    const query = queryCommand(p, await this.#commandContext(p));
    const r = await this.transport.run(query.argv, { input: query.input });
    if (r.code !== 0) {
      throw new DeployError(
        `querying the profile failed: ${lastLines(r.stderr, 5) || `exit ${r.code}`}`,
        { node: p.node, profile: p.profile },
      );
    }
    return parseProfileDescription(r.stdout, { node: p.node, profile: p.profile });
  }

  /** `limitMs`: how long to wait for the host's answer (checkHealthLimitMs unless a test says). */
  async checkHealth(
    p: ProfilePlan,
    checks: Record<string, string[]>,
    limitMs = checkHealthLimitMs(p, checks),
  ): Promise<CheckResult[]> {
    const check = checkHealthCommand(p, await this.#commandContext(p), checks);
    const limit = AbortSignal.timeout(limitMs);
    const r = await this.transport.run(check.argv, { input: check.input, signal: limit });
    const where = { node: p.node, profile: p.profile };
    if (limit.aborted) {
      throw new DeployError(
        `the host gave no answer to its health checks within ${Math.round(limitMs / 1000)}s`,
        where,
      );
    }
    if (r.code !== 0) {
      throw new DeployError(
        `running the health checks on the host failed: ${
          lastLines(r.stderr, 5) || `exit ${r.code}`
        }`,
        where,
      );
    }
    return parseCheckResults(r.stdout, where);
  }

  async uploadSecrets(p: ProfilePlan, uploads: SecretUpload[]): Promise<SecretsUploaded> {
    const upload = uploadSecretsCommand(p, await this.#commandContext(p), uploads);
    const r = await this.transport.run(upload.argv, { input: upload.input });
    const said = lastJson(r.stdout) as SecretsUploaded | undefined;
    if (!said || typeof said.ok !== "boolean" || typeof said.message !== "string") {
      throw new DeployError(
        `writing the secrets failed: ${lastLines(r.stderr, 5) || `exit ${r.code}`}`,
        { node: p.node, profile: p.profile },
      );
    }
    return { ok: said.ok, message: said.message, lines: said.lines ?? [] };
  }

  async dropSecretBackups(p: ProfilePlan, runDir: string): Promise<void> {
    const drop = dropSecretBackupsCommand(p, await this.#commandContext(p), runDir);
    // Bounded: a host that stopped answering does not hold the end of the run.
    const limit = AbortSignal.timeout(DROP_LIMIT_SECONDS * 1000);
    const r = await this.transport.run(drop.argv, { input: drop.input, signal: limit });
    const said = lastJson(r.stdout) as { ok?: boolean; message?: string } | undefined;
    if (limit.aborted) {
      throw new DeployError(`the host gave no answer within ${DROP_LIMIT_SECONDS}s`, {
        node: p.node,
        profile: p.profile,
      });
    }
    if (r.code !== 0 || said?.ok !== true) {
      throw new DeployError(
        `deleting what the secrets replaced failed: ${
          said?.message ?? (lastLines(r.stderr, 5) || `exit ${r.code}`)
        }`,
        { node: p.node, profile: p.profile },
      );
    }
  }

  async secretStatus(p: ProfilePlan): Promise<SecretState[]> {
    const look = secretStatusCommand(p, await this.#commandContext(p));
    const r = await this.transport.run(look.argv, { input: look.input });
    const said = lastJson(r.stdout);
    if (!Array.isArray(said)) {
      throw new DeployError(
        `looking at the secrets failed: ${lastLines(r.stderr, 5) || `exit ${r.code}`}`,
        { node: p.node, profile: p.profile },
      );
    }
    return said as SecretState[];
  }

  nixStore(): StoreTarget {
    return this.transport.nixStore();
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  /** Whether sudo asks this login for the password, and whether it takes it. */
  readonly #sudo: SudoPasswords;

  /** The one place where what a profile's commands are built from is put together. */
  async #commandContext(p: ProfilePlan): Promise<CommandContext> {
    const password = this.helper.passwords.get(p.node);
    // Only for a sudo that asks: one that does not would pass it to the command.
    const asks = password !== undefined && needsPassword(p.settings) &&
      await this.#sudo.asks(p.settings);
    if (asks) await this.#sudo.check(p, password);
    return {
      helper: this.helper.package,
      deployer: this.helper.deployer,
      password: asks ? password : undefined,
    };
  }

  /** What following a profile's run needs: its commands, this transport, and the watch. */
  async #followContext(p: ProfilePlan, watch: ProfileWatch): Promise<FollowContext> {
    return {
      ...await this.#commandContext(p),
      transport: this.transport,
      onLog: watch.onLog,
      onPhase: watch.onPhase,
    };
  }
}

/** Nothing started on the host (sudo refused the password): the profile fails, unchanged. */
function refused(e: unknown): HelperOutcome {
  if (!(e instanceof DeployError)) throw e;
  return { outcome: "failed", ok: false, message: e.message };
}

/** How long deleting a run's kept secret backups may take on a host. */
const DROP_LIMIT_SECONDS = 60;

/** The helper's answer: its last line of stdout, as JSON; undefined when it is not. */
function lastJson(stdout: string): unknown {
  try {
    return JSON.parse(stdout.trim().split("\n").at(-1) ?? "");
  } catch {
    return undefined;
  }
}
