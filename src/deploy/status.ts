/**
 * `deploy status`: for each selected profile, what its host runs: the active
 * generation and closure, when and by whom it was deployed (the host's own
 * record), and whether it is what the flake would deploy now.
 */
import type { ProfilePlan } from "../config/plan.ts";
import type { ProfileDescription } from "../helper/query.ts";
import { onHosts, type OnHostsOptions } from "./fleet.ts";

/** What `deploy status` learned of one profile (its `--json` shape, too). */
export interface ProfileStatusReport {
  node: string;
  profile: string;
  profilePath: string | null;
  generation: number | null;
  closure: string | null;
  deployedAt: string | null;
  deployer: string | null;
  outcome: string | null;
  /** Whether the active closure is the flake's `path` now. */
  matchesFlake: boolean;
  /** A run whose worker had died before its outcome, rolled back by this look (fail closed). */
  recovered: string | null;
  error?: string;
}

export async function profileStatuses(o: OnHostsOptions): Promise<ProfileStatusReport[]> {
  const described = await onHosts(o, (p, host) => host.query(p));
  return o.plan.map((p) => report(p, described.get(p)!));
}

export function report(p: ProfilePlan, d: ProfileDescription | Error): ProfileStatusReport {
  if (d instanceof Error) {
    return {
      node: p.node,
      profile: p.profile,
      profilePath: null,
      generation: null,
      closure: null,
      deployedAt: null,
      deployer: null,
      outcome: null,
      matchesFlake: false,
      recovered: null,
      error: d.message,
    };
  }
  return {
    node: p.node,
    profile: p.profile,
    profilePath: d.profilePath,
    generation: d.generation,
    closure: d.closure,
    deployedAt: d.record?.time ?? null,
    deployer: d.record?.deployer ?? null,
    outcome: d.record?.outcome ?? null,
    matchesFlake: d.closure === p.path,
    recovered: d.recovered ?? null,
  };
}
