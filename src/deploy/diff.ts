/**
 * `deploy diff`: before deploying, what would change per profile: packages
 * added, removed and changed in version, and the closure size difference.
 * Computed from the two closures' store paths and sizes.
 */
import type { ProfilePlan } from "../config/plan.ts";
import { buildPaths } from "../nix/build.ts";
import { closureSizes } from "../nix/closure.ts";
import { onHosts, type OnHostsOptions } from "./fleet.ts";

export interface Package {
  name: string;
  version: string;
}

/** How two closures differ, package by package. */
export interface ClosureDiff {
  added: Package[];
  removed: Package[];
  changed: { name: string; from: string; to: string }[];
  /** Same name and version, different store path: rebuilt (a dependency or the build changed). */
  rebuilt: Package[];
  sizeBefore: number;
  sizeAfter: number;
}

/** What `deploy diff` found for one profile (its `--json` shape, too). */
export interface ProfileDiff {
  node: string;
  profile: string;
  generation: number | null;
  diff?: ClosureDiff;
  error?: string;
}

/**
 * Name and version of a store path, split as Nix's `parseDrvName` does: the
 * version starts at the first `-` followed by something other than a letter.
 */
export function parseStorePath(path: string): Package {
  const base = path.split("/").pop()!.replace(/^[0-9a-z]{32}-/, "");
  const m = /-[^a-zA-Z]/.exec(base);
  return m
    ? { name: base.slice(0, m.index), version: base.slice(m.index + 1) }
    : { name: base, version: "" };
}

function byName(paths: Iterable<string>): Map<string, { versions: string[]; paths: string[] }> {
  const m = new Map<string, { versions: string[]; paths: string[] }>();
  for (const p of paths) {
    const { name, version } = parseStorePath(p);
    if (name.endsWith(".drv")) continue;
    const e = m.get(name) ?? { versions: [], paths: [] };
    e.versions = [...e.versions, version].sort();
    e.paths = [...e.paths, p].sort();
    m.set(name, e);
  }
  return m;
}

export function diffClosures(before: Map<string, number>, after: Map<string, number>): ClosureDiff {
  const old = byName(before.keys());
  const now = byName(after.keys());
  const d: ClosureDiff = {
    added: [],
    removed: [],
    changed: [],
    rebuilt: [],
    sizeBefore: [...before.values()].reduce((a, b) => a + b, 0),
    sizeAfter: [...after.values()].reduce((a, b) => a + b, 0),
  };
  for (const name of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    const from = old.get(name);
    const to = now.get(name);
    if (!from) d.added.push({ name, version: to!.versions.join(", ") });
    else if (!to) d.removed.push({ name, version: from.versions.join(", ") });
    else if (from.versions.join(", ") !== to.versions.join(", ")) {
      d.changed.push({ name, from: from.versions.join(", "), to: to.versions.join(", ") });
    } else if (from.paths.join() !== to.paths.join()) {
      d.rebuilt.push({ name, version: to.versions.join(", ") });
    }
  }
  return d;
}

/** Build what would be deployed, then compare each profile with what its host runs. */
export async function diffProfiles(
  o: OnHostsOptions,
  extraNixArgs: readonly string[],
): Promise<ProfileDiff[]> {
  const toBuild = o.plan.filter((p): p is ProfilePlan & { drvPath: string } =>
    p.drvPath !== undefined
  );
  const build = await buildPaths(
    toBuild.map((p) => ({ drvPath: p.drvPath, path: p.path })),
    extraNixArgs,
  );
  const diffs = await onHosts(o, async (p, host) => {
    if (p.drvPath !== undefined && !build.built.has(p.path)) {
      throw new Error(`building failed:\n${build.error}`);
    }
    const current = await host.query(p);
    const before = current.closure
      ? await closureSizes([current.closure], host.nixStore())
      : new Map<string, number>();
    const after = await closureSizes([p.path]);
    return { generation: current.generation, diff: diffClosures(before, after) };
  });
  return o.plan.map((p) => {
    const r = diffs.get(p)!;
    return r instanceof Error
      ? { node: p.node, profile: p.profile, generation: null, error: r.message }
      : { node: p.node, profile: p.profile, ...r };
  });
}
