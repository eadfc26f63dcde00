/**
 * Following a run on a host from its events, over one or more SSH sessions
 * (the one that started it, then `deploy wait` after a drop): it shows the
 * host's log, and when the host's window opens it runs the deployer's own
 * checks and confirms over a fresh connection (or declines, so the host
 * rolls back now), bounded by followLimitMs once the host decides alone.
 */
import type { ProfilePlan } from "../config/plan.ts";
import { activateRunEvent, type HelperEvent } from "../wire/protocol.ts";
import type { Offer } from "../wire/offer.ts";
import { lastLines, type RunResult } from "../process/run.ts";
import type { Transport } from "../ssh/transport.ts";
import { type CheckResult, describeFailure, type HealthChecks } from "../shared/health_checks.ts";
import { parseHelperEvent } from "./helper_output.ts";
import { followLimitMs } from "./deadlines.ts";
import { type CommandContext, offerCommand } from "./helper_commands.ts";
import { deployerChecks, hasDeployerChecks } from "./health_gate.ts";
import type { HelperOutcome } from "./host.ts";

/** What following a profile's run needs: its host's transport, its commands, where progress goes. */
export interface FollowContext extends CommandContext {
  transport: Transport;
  onLog: (line: string, source: "host" | "ssh" | "health") => void;
  onPhase: (phase: "activating" | "confirming", message?: string) => void;
}

/** Follows helper events from one or more SSH sessions to the outcome. */
export class RunFollower {
  runDir?: string;
  token?: string;
  outcome?: Extract<HelperEvent, { type: "outcome" }>;
  confirmation?: Promise<void>;
  confirmError?: string;
  failedCheck?: CheckResult;
  /** Aborts the SSH sessions once the host's outcome is overdue (see deadlines.ts). */
  readonly giveUp = new AbortController();
  #overdue?: ReturnType<typeof setTimeout>;

  /**
   * `checks`: the deployer's checks of an activation; a follower without
   * them follows a revoke, whose run has no token to confirm.
   */
  constructor(
    readonly plan: ProfilePlan,
    readonly ctx: FollowContext,
    readonly checks?: HealthChecks,
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
        if (this.checks !== undefined) {
          // An activation the deployer could not confirm is of no use: refused at once.
          try {
            this.token = activateRunEvent(e, { node: this.plan.node, profile: this.plan.profile })
              .token;
          } catch (error) {
            this.ctx.onLog((error as Error).message, "ssh");
          }
        }
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
    if (this.token === undefined) {
      this.confirmError = "the helper gave no token for this run: not confirmed, so the host " +
        "rolls back by itself when its window closes";
      this.ctx.onLog(this.confirmError, "ssh");
      return;
    }
    // Only a profile that passed every check is confirmed; without the
    // confirmation the host rolls back by itself when its window closes.
    if (this.checks !== undefined && hasDeployerChecks(this.checks)) {
      this.ctx.onPhase("confirming", "running health checks");
      this.failedCheck = await deployerChecks(this.plan, this.ctx.onLog, this.checks);
      if (this.failedCheck) {
        const why = describeFailure(this.failedCheck, this.plan.settings.healthTimeout);
        this.ctx.onLog(`${why}; not confirming`, "health");
        // Tell the host, so that it rolls back now rather than when its
        // window closes; if that fails, the window still does it.
        const told = await this.offer({ kind: "decline", token: this.token!, reason: why });
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
    const r = await this.#offerRun({ kind: "confirm", token: this.token! });
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
  async offer(offer: Offer): Promise<boolean> {
    return (await this.#offerRun(offer)).code === 0;
  }

  #offerRun(offer: Offer): Promise<RunResult> {
    const { argv, input } = offerCommand(this.plan, this.ctx, this.runDir!, offer);
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

  /**
   * What the followed activation came to, once following is over (`session`:
   * how the last session ended): the host's outcome with the deployer's
   * part in it, or "lost" when no outcome arrived.
   */
  activationOutcome(session: RunResult): HelperOutcome {
    const o = this.outcome;
    if (!o) {
      const why = this.giveUp.signal.aborted
        ? `no outcome within ${
          Math.round(followLimitMs(this.plan.settings) / 1000)
        }s of the window opening (confirmTimeout ${this.plan.settings.confirmTimeout}s, healthTimeout ${this.plan.settings.healthTimeout}s)`
        : lastLines(session.stderr, 5) || `ssh exited with code ${session.code}`;
      return {
        outcome: "lost",
        ok: false,
        message: this.runDir
          ? `lost contact with the host during activation (${why}); the host decides by itself (run ${this.runDir})`
          : `the helper did not start: ${why}`,
        runDir: this.runDir,
      };
    }
    const message = this.confirmError && !o.ok ? `${o.message} (${this.confirmError})` : o.message;
    const failed = this.failedCheck ?? o.status.failedCheck;
    return {
      outcome: o.outcome,
      ok: o.ok,
      message,
      runDir: this.runDir,
      previousGeneration: o.status.previousGeneration,
      newGeneration: o.status.newGeneration,
      createdGeneration: o.status.createdGeneration,
      ...(failed && !o.ok ? { failedCheck: { name: failed.name, output: failed.output } } : {}),
    };
  }
}
