/**
 * The plan as people and programs read it: TOML keyed `[node.profile]` with
 * deploy-rs's keys first (what `deploy -i` has always shown), or JSON.
 */
import { stringify } from "smol-toml";
import type { ProfilePlan } from "../config/plan.ts";
import { type ProfileSettings, SETTING_NAMES, tomlKey } from "../config/settings_table.ts";
import { describeSecret } from "../shared/secrets.ts";

/** The plan in the order it rolls out: by wave, the plan's own order within one. */
function inWaveOrder(plans: readonly ProfilePlan[]): ProfilePlan[] {
  return [...plans].sort((a, b) => a.wave - b.wave);
}

/** The plan as TOML, one table per `[node.profile]`, nodes in rollout order. */
export function formatPlanToml(plans: readonly ProfilePlan[]): string {
  const doc: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const p of inWaveOrder(plans)) {
    const s = p.settings;
    const table: Record<string, unknown> = {
      user: s.user,
      ssh_user: s.sshUser,
      path: p.path,
      hostname: p.hostname,
      ssh_opts: s.sshOpts,
      ...(p.drvPath === undefined ? {} : { drv_path: p.drvPath }),
      ...(p.profilePath === undefined ? {} : { profile_path: p.profilePath }),
    };
    // Then every other setting, in the settings table's order.
    const shown = shownSettings(s);
    for (const name of SETTING_NAMES) {
      const value = shown[name];
      // An empty set (no health checks) would be an empty [node.profile.key] table: noise.
      const empty = typeof value === "object" && !Array.isArray(value) &&
        Object.keys(value).length === 0;
      if (!empty) table[tomlKey(name)] ??= value;
    }
    table.wave = p.wave;
    table.tags = p.tags ?? [];
    (doc[p.node] ??= {})[p.profile] = table;
  }
  return `${stringify(doc).trim()}\n`;
}

/** The JSON shape of `deploy plan --json`. */
export interface PlanJson {
  profiles: {
    node: string;
    profile: string;
    hostname: string;
    sshUser: string;
    user: string;
    path: string;
    drvPath: string | null;
    profilePath: string | null;
    /** The node's wave in the rollout: smaller waves go first. */
    wave: number;
    /** The node's tags (`--on @tag`). */
    tags: string[];
    settings: ProfilePlan["settings"];
  }[];
}

export function planToJson(plans: readonly ProfilePlan[]): PlanJson {
  return {
    profiles: inWaveOrder(plans).map((p) => ({
      node: p.node,
      profile: p.profile,
      hostname: p.hostname,
      sshUser: p.settings.sshUser,
      user: p.settings.user,
      path: p.path,
      drvPath: p.drvPath ?? null,
      profilePath: p.profilePath ?? null,
      wave: p.wave,
      tags: p.tags ?? [],
      settings: shownSettings(p.settings),
    })),
  };
}

/** The settings as the plan shows them: a secret's metadata, never a `text` value. */
function shownSettings(s: ProfileSettings): ProfileSettings {
  const secrets = Object.fromEntries(
    Object.entries(s.secrets).map(([name, spec]) => [name, describeSecret(spec)]),
  );
  return { ...s, secrets };
}
