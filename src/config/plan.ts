/**
 * The plan: every selected profile with everything needed to deploy it,
 * resolved from targets, the validated `deploy` outputs and the command line.
 * Pure: evaluation happens before, hosts are contacted after.
 */
import { ConfigError } from "../shared/errors.ts";
import type { DeployConfig } from "./schema.ts";
import { mergeSettings, type ProfileSettings, type SettingOverrides } from "./settings.ts";
import { closest } from "./suggest.ts";
import type { Target } from "./target.ts";
import { matchesAny, type NodePattern, selectsNothing } from "./node_selector.ts";

/** One profile to deploy, fully resolved. */
export interface ProfilePlan {
  /** The flake reference (or with --file, the Nix file) it comes from. */
  repo: string;
  node: string;
  profile: string;
  /** Where to connect: the node's hostname, or --hostname. */
  hostname: string;
  /** The store path to activate. */
  path: string;
  /** The derivation that builds `path`, when Nix knows it. */
  drvPath?: string;
  /** An explicit profile location on the host; otherwise the helper computes it. */
  profilePath?: string;
  /** The node's wave in a rollout: its `wave`, or its place in `--waves` (src/deploy/waves.ts). */
  wave: number;
  /** The node's `tags` (for `--on @tag` and `--waves`); buildPlan always sets it. */
  tags?: string[];
  settings: ProfileSettings;
}

/** An evaluated repo: its validated config and the names it has. */
export interface EvaluatedRepo {
  config: DeployConfig;
  nodeNames: string[];
  profileNames: Record<string, string[]>;
  /** With `--on @tag`: every node's tags, as Nix found them, to select among nodes not evaluated. */
  nodeTags?: Record<string, string[]>;
}

export interface PlanInput {
  targets: Target[];
  repos: Map<string, EvaluatedRepo>;
  overrides: SettingOverrides;
  hostname?: string;
  localUser: string;
  /** `--on`: only the nodes these select, among those the targets name. */
  on?: NodePattern[];
}

/**
 * Expand targets into profile plans, in a deterministic order: nodes in the
 * order the targets name them (sorted where a target means "every node");
 * within a node, `profilesOrder` first, then the other profiles sorted by name.
 * A profile named by several targets is planned once.
 */
export function buildPlan(input: PlanInput): ProfilePlan[] {
  const plans: ProfilePlan[] = [];
  const seen = new Set<string>();
  const on = input.on;
  // Every node the targets name, for `--on` entries that select none of them.
  const candidates = new Map<string, { name: string; tags: string[] }>();
  const unmatched = new Set(on ?? []);
  for (const target of input.targets) {
    const repo = input.repos.get(target.repo);
    if (!repo) throw new Error(`internal: ${target.repo} was not evaluated`);
    const named = target.node === undefined ? [...repo.nodeNames].sort() : [target.node];
    const nodes = on === undefined ? named : named.filter((name) => {
      // An unknown name stays, to be refused below as without --on.
      if (!repo.nodeNames.includes(name)) return true;
      const node = { name, tags: repo.nodeTags?.[name] ?? [] };
      candidates.set(name, node);
      for (const p of unmatched) if (matchesAny([p], node)) unmatched.delete(p);
      return matchesAny(on, node);
    });
    for (const node of nodes) {
      const n = repo.config.nodes[node];
      if (!n) throw unknownName("node", node, repo.nodeNames, target.repo);
      const all = orderedProfiles(
        n.profilesOrder ?? [],
        repo.profileNames[node] ?? Object.keys(n.profiles),
      );
      // deploy-rs reads profilesOrder only when it deploys the whole node,
      // and deploys a profile named twice once; an unknown name is its
      // ProfileNotFound error.
      if (target.profile === undefined) checkOrder(node, n.profilesOrder ?? [], all);
      const profiles = target.profile === undefined ? all : [target.profile];
      for (const profile of profiles) {
        const p = n.profiles[profile];
        if (!p) throw unknownName("profile", profile, all, target.repo, node);
        const key = JSON.stringify([target.repo, node, profile]);
        if (seen.has(key)) continue;
        seen.add(key);
        const { nodes: _nodes, ...deploySettings } = repo.config;
        const { hostname: _h, profiles: _p, profilesOrder: _o, wave, tags, ...nodeSettings } = n;
        const { path, drvPath, profilePath, ...profileSettings } = p;
        plans.push({
          repo: target.repo,
          node,
          profile,
          hostname: input.hostname ?? n.hostname,
          path,
          ...(drvPath === undefined ? {} : { drvPath }),
          ...(profilePath === undefined ? {} : { profilePath }),
          wave: wave ?? 0,
          tags: tags ?? [],
          settings: mergeSettings(
            { profile: profileSettings, node: nodeSettings, deploy: deploySettings },
            input.overrides,
            input.localUser,
            { node, profile },
          ),
        });
      }
    }
  }
  for (const p of unmatched) throw selectsNothing(p, [...candidates.values()]);
  if (input.hostname !== undefined) {
    const nodes = [...new Set(plans.map((p) => p.node))];
    if (nodes.length > 1) {
      throw new ConfigError(
        `--hostname replaces the address of one node, but ${nodes.length} nodes are selected (${
          nodes.join(", ")
        }); select one node, e.g. '.#${nodes[0]}'`,
      );
    }
  }
  for (const p of plans) {
    // The hostname that applies (the flake's or --hostname's) ends up in
    // ssh's argv; sshUser and user are checked in final_ranges.ts.
    const from = input.hostname === undefined ? `nodes.${p.node}.hostname` : "flag --hostname";
    const where = { node: p.node, profile: p.profile, field: "hostname" };
    if (p.hostname === "") throw new ConfigError(`"" (from ${from}) is not a host name`, where);
    if (p.hostname.startsWith("-")) {
      throw new ConfigError(
        `${
          JSON.stringify(p.hostname)
        } (from ${from}) starts with "-", and ssh would read it as an option`,
        where,
      );
    }
  }
  return plans;
}

/** `profilesOrder` first (each name once), then every other profile sorted by name. */
export function orderedProfiles(order: readonly string[], names: readonly string[]): string[] {
  const rest = names.filter((n) => !order.includes(n)).sort();
  return [...new Set(order.filter((n) => names.includes(n))), ...rest];
}

/** Every name in a node's profilesOrder must be one of its profiles (deploy-rs's ProfileNotFound). */
export function checkOrder(node: string, order: readonly string[], names: readonly string[]): void {
  for (const p of order) {
    if (names.includes(p)) continue;
    const hint = closest(p, names);
    throw new ConfigError(
      `names the profile ${JSON.stringify(p)}, which the node does not have (profiles: ${
        names.map((x) => JSON.stringify(x)).join(", ") || "none"
      })${hint ? `; did you mean ${JSON.stringify(hint)}?` : ""}`,
      { node, field: "profilesOrder" },
    );
  }
}

function unknownName(
  kind: "node" | "profile",
  name: string,
  known: string[],
  repo: string,
  node?: string,
): ConfigError {
  const hint = closest(name, known);
  const list = known.length ? known.map((k) => JSON.stringify(k)).join(", ") : "none";
  const where = kind === "node" ? `in ${repo}` : `on node ${JSON.stringify(node)} in ${repo}`;
  return new ConfigError(
    `no ${kind} named ${JSON.stringify(name)} ${where} (${kind}s: ${list})${
      hint ? `; did you mean ${JSON.stringify(hint)}?` : ""
    }`,
    kind === "node" ? { node: name } : { node, profile: name },
  );
}
