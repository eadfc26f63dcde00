/**
 * The first step of every run: from the command line to a plan. Parse the
 * targets, find out whether flakes can be used, run each repo's checks once,
 * evaluate each repo once (only what is selected), validate, and expand.
 * No host is contacted.
 */
import { userInfo } from "node:os";
import type { SettingOverrides } from "../config/settings.ts";
import { buildPlan, type EvaluatedRepo, type ProfilePlan } from "../config/plan.ts";
import { validateDeploy } from "../config/schema.ts";
import { stripConnectionSharing } from "../ssh/openssh/connection_sharing.ts";
import { parseFileTarget, parseFlakeTarget, type Target } from "../config/target.ts";
import { runChecks } from "../nix/checks.ts";
import { type EvalMode, evaluateDeploy } from "../nix/evaluate.ts";
import { flakesEnabled } from "../nix/features.ts";
import type { Selection } from "../nix/select_expr.ts";
import { nixMatchers, type NodePattern } from "../config/node_selector.ts";

/** What to plan: the targets and how to read them. */
export interface PlanRequest {
  /** Target strings (`.`, `.#node.profile`, …). */
  targets: string[];
  /** Non-flake mode: targets are fragments inside this Nix file or directory. */
  file?: string;
  /** Appended to Nix's evaluation and check calls. */
  extraNixArgs: string[];
  overrides: SettingOverrides;
  /** Replaces the hostname of the (single) selected node. */
  hostname?: string;
  skipChecks: boolean;
  /** `--on`: of the nodes the targets name, only those these select. */
  on?: NodePattern[];
  /** false: the profiles' paths are not needed (`deploy exec`), so not evaluated. */
  paths?: false;
}

export interface ResolvedPlan {
  plan: ProfilePlan[];
  mode: EvalMode;
  /** Things the user should read: unknown keys, the non-flake fallback. */
  warnings: string[];
}

export interface ResolveHooks {
  /** A phase starts for a repo (for progress output). */
  onPhase?: (phase: "checking" | "evaluating", repo: string) => void;
  /** A line of Nix's output while checking. */
  onCheckLine?: (repo: string, line: string) => void;
}

export async function resolvePlan(
  request: PlanRequest,
  hooks: ResolveHooks = {},
): Promise<ResolvedPlan> {
  const warnings: string[] = [];
  const targets: Target[] = request.file === undefined
    ? request.targets.map(parseFlakeTarget)
    : request.targets.map((t) => parseFileTarget(request.file!, t));

  let mode: EvalMode = "file";
  if (request.file === undefined) {
    if (await flakesEnabled()) {
      mode = "flake";
    } else {
      warnings.push(
        "flakes are not enabled in this Nix; evaluating each target's default.nix (flake-compat) with nix-instantiate",
      );
    }
  }
  const options = { mode, extraArgs: request.extraNixArgs };

  const selections = selectionsByRepo(targets, request.on);
  if (request.paths === false) { for (const s of selections.values()) s.paths = false; }
  if (!request.skipChecks) {
    for (const repo of selections.keys()) {
      hooks.onPhase?.("checking", repo);
      await runChecks(repo, options, (line) => hooks.onCheckLine?.(repo, line));
    }
  }
  const repos = new Map<string, EvaluatedRepo>();
  await Promise.all([...selections].map(async ([repo, selection]) => {
    hooks.onPhase?.("evaluating", repo);
    const selected = await evaluateDeploy(repo, selection, options);
    const validated = validateDeploy(selected.deploy, selected.profileNames ?? {});
    warnings.push(...validated.warnings.map((w) => `${repo}: ${w}`));
    repos.set(repo, {
      config: validated.config,
      nodeNames: selected.nodeNames ?? [],
      profileNames: selected.profileNames ?? {},
      ...(selected.nodeTags === undefined ? {} : { nodeTags: selected.nodeTags }),
    });
  }));
  const plan = buildPlan({
    targets,
    repos,
    overrides: request.overrides,
    hostname: request.hostname,
    localUser: userInfo().username,
    ...(request.on === undefined ? {} : { on: request.on }),
  });
  const sharing = [
    ...new Set(plan.flatMap((p) => stripConnectionSharing(p.settings.sshOpts).removed)),
  ];
  if (sharing.length) {
    const nodes = [
      ...new Set(
        plan.filter((p) => stripConnectionSharing(p.settings.sshOpts).removed.length)
          .map((p) => p.node),
      ),
    ];
    warnings.push(
      `sshOpts of ${nodes.join(", ")}: ${sharing.join(", ")} ignored: deploy-ts uses its own ` +
        "connection to each host, and a new one to confirm (your own master connection is left open)",
    );
  }
  return { plan, mode, warnings };
}

/**
 * One selection per distinct repo, so each is checked and evaluated once:
 * the union of what its targets name, narrowed by `--on`.
 */
export function selectionsByRepo(
  targets: readonly Target[],
  on?: readonly NodePattern[],
): Map<string, Selection> {
  const byRepo = new Map<string, Map<string, Set<string> | null> | null>();
  for (const t of targets) {
    if (!byRepo.has(t.repo)) byRepo.set(t.repo, new Map());
    const nodes = byRepo.get(t.repo);
    if (nodes === null || nodes === undefined) continue;
    if (t.node === undefined) {
      byRepo.set(t.repo, null);
      continue;
    }
    const current = nodes.get(t.node);
    if (t.profile === undefined) nodes.set(t.node, null);
    else if (current !== null) nodes.set(t.node, new Set([...(current ?? []), t.profile]));
  }
  return new Map(
    [...byRepo].map(([repo, nodes]) => [
      repo,
      {
        nodes: nodes === null || nodes === undefined
          ? null
          : [...nodes].map(([name, profiles]) => ({
            name,
            profiles: profiles === null ? null : [...profiles].sort(),
          })),
        ...(on === undefined ? {} : { on: nixMatchers(on) }),
      },
    ]),
  );
}
