/**
 * The deployment, in the order a person would do it: build every profile,
 * then for each node (several at once): log in, copy the helper and the
 * profiles, activate the profiles in order, confirm each over a new
 * connection. When a profile fails, no new activation starts and the
 * profiles this run already activated are revoked (`--rollback-succeeded`),
 * unless `--keep-going` lets every node go on by itself.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ProfilePlan } from "../config/plan.ts";
import { DeployError } from "../errors.ts";
import { addGcRoot, buildPaths } from "../nix/build.ts";
import { copyToHost } from "../nix/copy.ts";
import { selfPackage } from "../nix/self_package.ts";
import { lastLines } from "../process/run.ts";
import type { Transport } from "../ssh/transport.ts";
import type { DeployEventInput, ProfileResult } from "../ui/events.ts";
import {
  type ActivationGoal,
  finalPhase,
  isSuccess,
  type ProfileStatus,
  statusOf,
} from "../vocabulary.ts";
import { mapLimit } from "./limit.ts";
import { type Connect, HostSessions, loginKey } from "./sessions.ts";
import {
  activateProfile,
  deployerName,
  type HelperContext,
  revokeProfile,
} from "./remote_helper.ts";

/**
 * What to do when a profile fails: `stop` starts nothing new; `stop-and-revoke`
 * also puts back what this run already activated (deploy-rs's default);
 * `keep-going` lets every node stand on its own.
 */
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
  /** Makes the transport for a host (OpenSSH by default). */
  connect?: Connect;
}

const key = (p: { node: string; profile: string }) => `${p.node}\u0000${p.profile}`;

/** The nodes of a plan, in plan order, each with its profiles in order. */
export function groupByNode(
  plan: readonly ProfilePlan[],
): { node: string; profiles: ProfilePlan[] }[] {
  const nodes = new Map<string, ProfilePlan[]>();
  for (const p of plan) {
    if (!nodes.has(p.node)) nodes.set(p.node, []);
    nodes.get(p.node)!.push(p);
  }
  return [...nodes].map(([node, profiles]) => ({ node, profiles }));
}

export async function runPipeline(o: PipelineOptions): Promise<ProfileResult[]> {
  const { emit } = o;
  const results = new Map<string, ProfileResult>();
  const stopOnFailure = o.onFailure !== "keep-going";
  let stopped = false;

  const finish = (
    p: ProfilePlan,
    status: ProfileStatus,
    message: string,
    extra: Partial<ProfileResult> = {},
  ) => {
    const ok = isSuccess(status);
    results.set(key(p), { node: p.node, profile: p.profile, status, ok, message, ...extra });
    const phase = finalPhase(status);
    emit({ type: "phase", node: p.node, profile: p.profile, phase, message });
    if (!ok && status !== "skipped" && status !== "revoked" && stopOnFailure) stopped = true;
  };
  const pending = (p: ProfilePlan) => !results.has(key(p));
  /** The generation each activation created, if any: the only one its revoke may delete. */
  const created = new Map<string, number | null>();

  for (const p of o.plan) {
    emit({ type: "phase", node: p.node, profile: p.profile, phase: "queued" });
  }

  // 1. Build what is built here, all in one call.
  const local = o.plan.filter((p) => !p.settings.remoteBuild);
  const toBuild = local.filter((p) =>
    p.drvPath !== undefined
  ) as (ProfilePlan & { drvPath: string })[];
  for (const p of toBuild) {
    emit({ type: "phase", node: p.node, profile: p.profile, phase: "building" });
  }
  const build = await buildPaths(
    toBuild.map((p) => ({ drvPath: p.drvPath, path: p.path })),
    o.extraNixArgs,
    (line) => emit({ type: "log", source: "nix", line }),
  );
  for (const p of local) {
    if (p.drvPath === undefined && !existsSync(p.path)) {
      finish(
        p,
        "failed",
        `${p.path} is not in the local store, and Nix knows no derivation that builds it`,
      );
    } else if (p.drvPath !== undefined && !build.built.has(p.path)) {
      finish(p, "failed", `building ${p.path} failed:\n${build.error ?? "no output was produced"}`);
    } else if (o.gcRoots !== undefined) {
      await addGcRoot(p.path, join(o.gcRoots, p.node, p.profile));
    }
  }

  // 2. The helper: this program's own package.
  let helper: string;
  try {
    helper = await selfPackage();
  } catch (e) {
    for (const p of o.plan.filter(pending)) finish(p, "failed", (e as Error).message);
    return o.plan.map((p) => results.get(key(p))!);
  }

  // 3. Every node, several at once.
  const sessions = new HostSessions(o.connect);
  const deployer = deployerName();
  const transports = new Map<string, Transport>();
  const contexts = new Map<string, HelperContext>();
  const contextFor = (p: ProfilePlan): HelperContext => {
    const k = key(p);
    if (!contexts.has(k)) {
      contexts.set(k, {
        transport: transports.get(loginKey(p))!,
        helper,
        deployer,
        password: o.passwords.get(p.node),
        onLog: (line, source) =>
          emit({ type: "log", node: p.node, profile: p.profile, source, line }),
        onPhase: (phase, message) =>
          emit({ type: "phase", node: p.node, profile: p.profile, phase, message }),
      });
    }
    return contexts.get(k)!;
  };

  const deployNode = async ({ profiles }: { node: string; profiles: ProfilePlan[] }) => {
    const live = () => profiles.filter(pending);
    if (stopped) return;
    // Log in once per host (nodes that share a login share its master).
    for (const p of live()) {
      if (!transports.has(loginKey(p))) {
        emit({ type: "phase", node: p.node, profile: p.profile, phase: "connecting" });
      }
      const login = await sessions.login(p);
      if (login instanceof Error) finish(p, "failed", login.message);
      else transports.set(loginKey(p), login);
    }
    // Copy the helper and the profiles (or build them there).
    for (const k of new Set(live().map(loginKey))) {
      const t = transports.get(k)!;
      const mine = live().filter((p) => loginKey(p) === k);
      if (mine.length === 0) continue;
      for (const p of mine) {
        emit({ type: "phase", node: p.node, profile: p.profile, phase: "copying" });
      }
      const log = (line: string) => emit({ type: "log", node: mine[0].node, source: "nix", line });
      try {
        const fast = mine.every((p) => p.settings.fastConnection);
        const copied = [helper, ...mine.filter((p) => !p.settings.remoteBuild).map((p) => p.path)];
        await copyToHost(t.nixStore(), copied, {
          substitute: !fast,
          checkSigs: o.checkSigs,
          context: { node: mine[0].node },
          onLine: log,
        });
        for (const p of mine.filter((p) => p.settings.remoteBuild)) {
          await buildOnHost(t, p, o.checkSigs, log);
        }
      } catch (e) {
        for (const p of mine) finish(p, "failed", (e as Error).message);
      }
    }
    // Activate, in the plan's order; a failure ends the node.
    for (const p of profiles) {
      if (!pending(p)) continue;
      if (stopped) {
        finish(p, "skipped", "not started: another profile failed");
        continue;
      }
      const r = await activateProfile(p, contextFor(p), { goal: o.goal });
      created.set(key(p), r.createdGeneration ?? null);
      finish(p, statusOf(r.outcome), r.message, {
        runDir: r.runDir,
        previousGeneration: r.previousGeneration,
        newGeneration: r.newGeneration,
      });
      if (!r.ok) {
        for (const q of profiles.filter(pending)) {
          finish(q, "skipped", `not started: ${p.node}.${p.profile} failed`);
        }
      }
    }
  };

  try {
    await mapLimit(groupByNode(o.plan), o.jobs, deployNode);
    for (const p of o.plan.filter(pending)) {
      finish(p, "skipped", "not started: another profile failed");
    }

    // 4. Revoke what this run activated, if anything failed.
    const failed = [...results.values()].find((r) => !r.ok && r.status !== "skipped");
    if (failed && o.onFailure === "stop-and-revoke" && o.goal !== "dry-activate") {
      const reason = `${failed.node}.${failed.profile} failed`;
      const toRevoke = [...o.plan].reverse().filter((p) => {
        const r = results.get(key(p))!;
        return r.ok && p.settings.autoRollback;
      });
      await mapLimit(groupByNode(toRevoke), o.jobs, async ({ profiles }) => {
        for (const p of profiles) {
          const before = results.get(key(p))!;
          emit({
            type: "phase",
            node: p.node,
            profile: p.profile,
            phase: "revoking",
            message: reason,
          });
          const r = await revokeProfile(p, contextFor(p), {
            previous: before.previousGeneration ?? null,
            activated: before.newGeneration ?? null,
            created: created.get(key(p)) ?? null,
          }, o.goal === "boot");
          const kept = {
            runDir: before.runDir,
            previousGeneration: before.previousGeneration,
            newGeneration: before.newGeneration,
          };
          if (r.ok) finish(p, "revoked", `${r.message} (because ${reason})`, kept);
          else finish(p, "failed", `revoking after ${reason} failed: ${r.message}`, kept);
        }
      });
    }
  } finally {
    await sessions.closeAll();
  }
  return o.plan.map((p) => results.get(key(p))!);
}

/** remoteBuild: send the derivation and build it on the host, with any Nix version. */
async function buildOnHost(
  t: Transport,
  p: ProfilePlan,
  checkSigs: boolean,
  onLine: (line: string) => void,
): Promise<void> {
  if (p.drvPath === undefined) {
    throw new DeployError("remoteBuild needs the derivation of the profile's path", {
      node: p.node,
      profile: p.profile,
    });
  }
  await copyToHost(t.nixStore(), [p.drvPath], {
    substitute: !p.settings.fastConnection,
    checkSigs,
    derivation: true,
    context: { node: p.node, profile: p.profile },
    onLine,
  });
  const r = await t.run(["nix-store", "--realise", p.drvPath], { onStderrLine: onLine });
  if (r.code !== 0) {
    throw new DeployError(`building on ${t.destination} failed:\n${lastLines(r.stderr, 20)}`, {
      node: p.node,
      profile: p.profile,
    });
  }
}
