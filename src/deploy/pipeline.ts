/**
 * The deployment, in the order a person would do it: build every profile,
 * then for each node (several at once): log in, copy the helper and the
 * profiles, activate the profiles in order, confirm each over a new
 * connection. When a profile fails, no new activation starts and the
 * profiles this run already activated are revoked, newest first
 * (`stop-and-revoke`, deploy-rs's `--rollback-succeeded`), unless
 * `keep-going` lets every node go on by itself.
 *
 * Nodes deploy in waves (src/deploy/waves.ts): a wave starts only after
 * every node of the one before is confirmed; after a failure no later wave
 * is contacted (with `keep-going`, unless the failed nodes are within
 * `maxFailures`), and a revoke goes newest wave first.
 */
import { join } from "node:path";
import type { ProfilePlan } from "../config/plan.ts";
import { DeployError } from "../shared/errors.ts";
import { type LocalStore, nixLocalStore } from "../nix/local_store.ts";
import type { DeployEventInput, ProfileResult } from "../shared/events.ts";
import {
  type ActivationGoal,
  finalPhase,
  isSuccess,
  type ProfileStatus,
} from "../shared/vocabulary.ts";
import { type HelperOutcome, type Host, watchOf } from "../host/host.ts";
import { KeyedQueue } from "./keyed_queue.ts";
import { mapLimit } from "./limit.ts";
import { deployerName } from "../host/deployer_name.ts";
import { helperHosts, type HostFactory, HostSessions, notLoggedIn } from "../host/sessions.ts";
import { planWaves, type WaveSpec } from "../plan/waves.ts";
import { groupByNode } from "../plan/node_groups.ts";
import { resultOf } from "./profile_result.ts";
import { interruptedResults } from "./interrupted.ts";
import { RunEvents } from "./run_events.ts";
import { waitsBeforeWave } from "./waiting.ts";
import { onInterrupt } from "../process/cleanup.ts";
import { CacheCopy } from "./cache_copy.ts";
import { activationModes } from "./secret_values.ts";
import { dropKeptSecretBackups } from "./secret_backups.ts";

/** On a failure: `stop` starts nothing new; `stop-and-revoke` also puts back what this run
 * activated (deploy-rs's default); `keep-going` lets every node stand on its own. */
export type FailurePolicy = "stop" | "stop-and-revoke" | "keep-going";

export interface PipelineOptions {
  goal: ActivationGoal;
  onFailure: FailurePolicy;
  /** Nodes deployed at once. */
  jobs: number;
  /** Check signatures when copying. */
  checkSigs: boolean;
  /** Where to keep GC roots of locally built profiles (`-k`), if at all. */
  gcRoots?: string;
  /** Appended to Nix's build calls. */
  extraNixArgs: string[];
  plan: ProfilePlan[];
  emit: (event: DeployEventInput) => void;
  /** Sudo passwords by node, for interactiveSudo. */
  passwords: Map<string, string>;
  /** The deployer's store (Nix by default). */
  local?: LocalStore;
  /** Makes the Host of a profile's login (deploy-ts's helper over OpenSSH by default). */
  hosts?: HostFactory;
  /** `--waves`: the nodes of each wave, instead of the nodes' `wave` settings. */
  waves?: WaveSpec;
  /** Seconds to wait between two waves. */
  wavePause?: number;
  /** With keep-going: the next wave starts only while at most this many nodes failed. */
  maxFailures?: number;
  /** How to wait `wavePause` seconds (tests count the calls instead of waiting). */
  sleep?: (seconds: number) => Promise<void>;
}

const sleepSeconds = (s: number) => new Promise<void>((r) => setTimeout(r, s * 1000));

export function runPipeline(o: PipelineOptions): Promise<ProfileResult[]> {
  return new Deployment(o).run();
}

const keyOf = (p: { node: string; profile: string }) => JSON.stringify([p.node, p.profile]);

/** One run's state: what became of each profile so far, and whether to stop. */
class Deployment {
  readonly #results = new Map<string, ProfileResult>();
  /** How each activation ended on its host: a revoke needs its generations. */
  readonly #activated = new Map<string, HelperOutcome>();
  /** One copy at a time into each host's store (see keyed_queue.ts). */
  readonly #copies = new KeyedQueue();
  #stopped = false;
  readonly #local: LocalStore;
  /** The plan in waves, first wave first; each profile carries its wave's number. */
  readonly #waves: ProfilePlan[][];
  /** Every event goes out through here, phase events of a profile with its wave. */
  readonly #events: RunEvents;
  readonly #emit: (event: DeployEventInput) => void;
  #cacheCopy?: CacheCopy; // binary caches: uploads start once the helper is known

  constructor(readonly o: PipelineOptions) {
    this.#local = o.local ?? nixLocalStore;
    this.#waves = planWaves(o.plan, o.waves);
    this.#events = new RunEvents(this.#waves, o.emit);
    this.#emit = this.#events.emit;
  }

  async run(): Promise<ProfileResult[]> {
    // Said first, before the connections close: who decides by itself, and by when.
    const unregister = onInterrupt(() => {
      this.#emit({ type: "summary", ok: false, interrupted: true, profiles: this.#interrupted() });
      return Promise.resolve();
    });
    try {
      return await this.#run();
    } finally {
      unregister();
    }
  }

  #interrupted(): ProfileResult[] {
    return interruptedResults(
      this.o.plan,
      (p) => this.#results.get(keyOf(p)),
      (p) => this.#events.live(p),
      Date.now(),
    );
  }

  async #run(): Promise<ProfileResult[]> {
    for (const p of this.o.plan) this.#phase(p, "queued");
    // Into the local store while Nix builds (a failure is said after it); no host is contacted yet.
    const helperPackage = this.#local.helperPackage();
    helperPackage.catch(() => {/* said below */});
    await this.buildLocally();
    let helper: string;
    try {
      helper = await helperPackage;
    } catch (e) {
      for (const p of this.#pending(this.o.plan)) this.#finish(p, "failed", (e as Error).message);
      return this.#resultsInPlanOrder();
    }
    this.#cacheCopy = new CacheCopy(this.#pending(this.o.plan), helper, this.#emit);
    const sessions = new HostSessions(
      this.o.hosts ??
        helperHosts({ package: helper, deployer: deployerName(), passwords: this.o.passwords }),
    );
    try {
      await this.deployWaves(sessions, helper);
      for (const p of this.#pending(this.o.plan)) {
        this.#finish(p, "skipped", "not started: another profile failed");
      }
      await this.revokeSucceeded(sessions);
      await dropKeptSecretBackups(this.#resultsInPlanOrder(), this.o, sessions, this.#emit);
    } finally {
      await sessions.closeAll();
    }
    return this.#resultsInPlanOrder();
  }

  /** 1. Build what is built here, all in one call. */
  async buildLocally(): Promise<void> {
    const local = this.o.plan.filter((p) => !p.settings.remoteBuild);
    const toBuild = local.filter((p): p is ProfilePlan & { drvPath: string } =>
      p.drvPath !== undefined
    );
    for (const p of toBuild) this.#phase(p, "building");
    const build = await this.#local.build(
      toBuild.map((p) => ({ drvPath: p.drvPath, path: p.path })),
      this.o.extraNixArgs,
      (line) => this.#emit({ type: "log", source: "nix", line }),
    );
    for (const p of local) {
      if (p.drvPath === undefined && !this.#local.has(p.path)) {
        this.#finish(
          p,
          "failed",
          `${p.path} is not in the local store, and Nix knows no derivation that builds it`,
        );
      } else if (p.drvPath !== undefined && !build.built.has(p.path)) {
        this.#finish(
          p,
          "failed",
          `building ${p.path} failed:\n${build.error ?? "no output was produced"}`,
        );
      } else if (this.o.gcRoots !== undefined) {
        await this.#local.addGcRoot(p.path, join(this.o.gcRoots, p.node, p.profile));
      }
    }
  }

  /** 2. Wave after wave: a wave's nodes at once (within `jobs`), the next if this went well. */
  async deployWaves(sessions: HostSessions, helper: string): Promise<void> {
    for (const [i, wave] of this.#waves.entries()) {
      if (i > 0) {
        if (!this.#mayStartNextWave()) {
          // Name the wave that failed; a build failure belongs to no wave that ran.
          const failed = this.#waves.slice(0, i).findLast((w) => w.some((p) => this.#failed(p)));
          const why = failed ? `wave ${failed[0].wave} failed` : "another profile failed";
          for (const p of this.#pending(this.#waves.slice(i).flat())) {
            this.#finish(p, "skipped", `not started: ${why}`);
          }
          return;
        }
        if (this.o.wavePause) await (this.o.sleep ?? sleepSeconds)(this.o.wavePause);
      }
      for (const { plan, why } of waitsBeforeWave(this.#waves, i, this.o.jobs)) {
        if (this.#isPending(plan)) this.#phase(plan, "waiting", why);
      }
      await mapLimit(
        groupByNode(wave),
        this.o.jobs,
        // A node's logins close when it is done: --jobs bounds them, not the fleet.
        sessions.holding(({ profiles }) => this.deployNode(profiles, sessions, helper)),
      );
    }
  }

  /** Whether the waves so far went well enough for the next one (a profile counts once ok). */
  #mayStartNextWave(): boolean {
    if (this.#stopped) return false;
    const failedNodes = new Set(this.o.plan.filter((p) => this.#failed(p)).map((p) => p.node));
    if (failedNodes.size === 0) return true;
    return this.o.onFailure === "keep-going" && failedNodes.size <= (this.o.maxFailures ?? 0);
  }

  /** 3. One node: log in, copy, activate its profiles in order; a failure ends the node. */
  async deployNode(profiles: ProfilePlan[], sessions: HostSessions, helper: string): Promise<void> {
    if (this.#stopped) return;
    const modeOf = await activationModes(this.#pending(profiles), this.o, this.#finish.bind(this));
    if (!modeOf) return;
    const hosts = await this.#logIn(profiles, sessions);
    for (const [host, mine] of hosts) await this.#copy(host, mine, helper);
    // A node's profiles activate one after another (profilesOrder).
    const ready = this.#pending(profiles);
    for (const [k, p] of ready.entries()) {
      if (k > 0) this.#phase(p, "waiting", `for ${ready[k - 1].node}.${ready[k - 1].profile}`);
    }
    for (const p of profiles) {
      if (!this.#isPending(p)) continue;
      if (this.#stopped) {
        this.#finish(p, "skipped", "not started: another profile failed");
        continue;
      }
      const host = await sessions.login(p) as Host;
      const outcome = await host.activate(p, modeOf(p), watchOf(p, this.#emit));
      this.#activated.set(keyOf(p), outcome);
      this.#record(resultOf(p, outcome));
      if (!outcome.ok) {
        for (const q of this.#pending(profiles)) {
          this.#finish(q, "skipped", `not started: ${p.node}.${p.profile} failed`);
        }
      }
    }
  }

  /** 4. After a failure: put back what this run activated, newest first (newest wave first). */
  async revokeSucceeded(sessions: HostSessions): Promise<void> {
    if (this.o.onFailure !== "stop-and-revoke" || this.o.goal === "dry-activate") return;
    const failed = [...this.#results.values()].find((r) => !r.ok && r.status !== "skipped");
    if (!failed) return;
    const reason = `${failed.node}.${failed.profile} failed`;
    for (const wave of [...this.#waves].reverse()) {
      const toRevoke = [...wave].reverse().filter((p) =>
        this.#results.get(keyOf(p))!.ok && p.settings.autoRollback
      );
      await this.#revoke(toRevoke, reason, sessions);
    }
  }

  async #revoke(toRevoke: ProfilePlan[], reason: string, sessions: HostSessions): Promise<void> {
    const revokeNode = sessions.holding(async ({ profiles }: { profiles: ProfilePlan[] }) => {
      for (const p of profiles) {
        const before = this.#results.get(keyOf(p))!;
        const activated = this.#activated.get(keyOf(p));
        this.#phase(p, "revoking", reason);
        // The node's login closed when it was done: this logs in again, or says why it cannot.
        const host = await sessions.login(p);
        const r = host instanceof Error ? notLoggedIn(host) : await host.revoke(p, {
          previous: before.previousGeneration ?? null,
          activated: before.newGeneration ?? null,
          created: activated?.createdGeneration ?? null,
          boot: this.o.goal === "boot",
        }, watchOf(p, this.#emit));
        const kept = {
          runDir: before.runDir,
          previousGeneration: before.previousGeneration,
          newGeneration: before.newGeneration,
        };
        if (r.ok) this.#finish(p, "revoked", `${r.message} (because ${reason})`, kept);
        else {
          this.#finish(p, "failed", `revoking failed (after ${reason}): ${r.message}`, {
            ...kept,
            hostLeft: "new-generation",
          });
        }
      }
    });
    await mapLimit(groupByNode(toRevoke), this.o.jobs, revokeNode);
  }

  /** Log in once per way of reaching a host; profiles whose login fails fail. */
  async #logIn(profiles: ProfilePlan[], sessions: HostSessions): Promise<Map<Host, ProfilePlan[]>> {
    const hosts = new Map<Host, ProfilePlan[]>();
    for (const p of this.#pending(profiles)) {
      if (!sessions.has(p)) this.#phase(p, "connecting");
      const login = sessions.login(p);
      const host = await login;
      if (host instanceof Error) this.#finish(p, "failed", host.message);
      else hosts.set(host, [...(hosts.get(host) ?? []), p]);
    }
    return hosts;
  }

  /** Copy the helper and the profiles to a host (or build them there). */
  async #copy(host: Host, profiles: ProfilePlan[], helper: string): Promise<void> {
    const mine = this.#pending(profiles);
    if (mine.length === 0) return;
    for (const p of mine) this.#phase(p, "copying");
    const node = mine[0].node;
    const onLine = (line: string) => this.#emit({ type: "log", node, source: "nix", line });
    try {
      const paths = [helper, ...mine.filter((p) => !p.settings.remoteBuild).map((p) => p.path)];
      await this.#copies.run(mine[0].hostname, () =>
        this.#cacheCopy!.copy(host, mine, paths, {
          substitute: !mine.every((p) => p.settings.fastConnection),
          checkSigs: this.o.checkSigs,
          node,
          onLine,
        }));
      for (const p of mine.filter((p) => p.settings.remoteBuild)) {
        await this.#buildOnHost(host, p, onLine);
      }
    } catch (e) {
      for (const p of mine) this.#finish(p, "failed", (e as Error).message);
    }
  }

  /** remoteBuild: send the derivation and build it on the host, with any Nix version. */
  async #buildOnHost(host: Host, p: ProfilePlan, onLine: (line: string) => void): Promise<void> {
    if (p.drvPath === undefined) {
      throw new DeployError("remoteBuild needs the derivation of the profile's path", {
        node: p.node,
        profile: p.profile,
      });
    }
    await this.#copies.run(p.hostname, () =>
      host.copy([p.drvPath!], {
        substitute: !p.settings.fastConnection,
        checkSigs: this.o.checkSigs,
        derivation: true,
        node: p.node,
        onLine,
      }));
    await host.realise(p, onLine);
  }

  #phase(
    p: ProfilePlan,
    phase: Extract<DeployEventInput, { type: "phase" }>["phase"],
    message?: string,
  ) {
    this.#emit({
      type: "phase",
      node: p.node,
      profile: p.profile,
      phase,
      ...(message === undefined ? {} : { message }),
    });
  }

  #finish(
    p: ProfilePlan,
    status: ProfileStatus,
    message: string,
    extra: Partial<ProfileResult> = {},
  ): void {
    this.#record({
      node: p.node,
      profile: p.profile,
      status,
      ok: isSuccess(status),
      message,
      ...extra,
    });
  }

  /** Keep a profile's result, say so, and stop new activations when a policy says to. */
  #record(r: ProfileResult): void {
    this.#results.set(keyOf(r), r);
    this.#emit({
      type: "phase",
      node: r.node,
      profile: r.profile,
      phase: finalPhase(r.status),
      message: r.message,
    });
    const aFailure = !r.ok && r.status !== "skipped" && r.status !== "revoked";
    if (aFailure && this.o.onFailure !== "keep-going") this.#stopped = true;
  }

  /** Whether a profile ended in a failure of its own (not skipped because of another). */
  #failed(p: ProfilePlan): boolean {
    const r = this.#results.get(keyOf(p));
    return r !== undefined && !r.ok && r.status !== "skipped";
  }

  #isPending(p: ProfilePlan): boolean {
    return !this.#results.has(keyOf(p));
  }

  #pending(profiles: readonly ProfilePlan[]): ProfilePlan[] {
    return profiles.filter((p) => this.#isPending(p));
  }

  #resultsInPlanOrder(): ProfileResult[] {
    return this.o.plan.map((p) => this.#results.get(keyOf(p))!);
  }
}
