/**
 * `deploy status`: for each selected profile, what its host runs: the active
 * generation and closure, when and by whom it was deployed (the host's own
 * record), the last attempt whatever its outcome, a run still deciding, and
 * whether it is what the flake would deploy now.
 */
import type { ProfilePlan } from "../config/plan.ts";
import type { ProfileDescription } from "../helper/query.ts";
import type { Outcome, RunPhase } from "../shared/vocabulary.ts";
import { onHosts, type OnHostsOptions } from "./fleet.ts";
import type { SecretState } from "../shared/secrets.ts";

/**
 * The one word for where a profile stands: deployed and the flake's
 * (`up-to-date`), another closure (`differs`), a run still deciding
 * (`pending`), set for the next boot while another system runs
 * (`set-for-boot`), no profile (`not-deployed`), or the host could not say.
 */
export type ProfileState =
  | "up-to-date"
  | "differs"
  | "pending"
  | "set-for-boot"
  | "not-deployed"
  | "error";

/** What `deploy status` learned of one profile (its `--json` shape, too). */
export interface ProfileStatusReport {
  node: string;
  profile: string;
  state: ProfileState;
  profilePath: string | null;
  generation: number | null;
  closure: string | null;
  deployedAt: string | null;
  deployer: string | null;
  outcome: string | null;
  /** Whether the active closure is the flake's `path` now. */
  matchesFlake: boolean;
  /** The host's newest record, whatever its outcome. */
  lastAttempt: { time: string; outcome: Outcome; message: string; deployer: string } | null;
  /** A run still deciding: since when, by whom, where it stands, when it rolls back unconfirmed. */
  pending:
    | { since: string; deployer: string; phase: RunPhase | null; rollsBackAt: string | null }
    | null;
  /** NixOS's running system when it is not what the profile points to (after `--boot`). */
  running: string | null;
  /** A run whose worker had died before its outcome, rolled back by this look (fail closed). */
  recovered: string | null;
  /** Each declared secret: present with its owner and mode, or not (never its value). */
  secrets: SecretState[];
  error?: string;
}

export async function profileStatuses(o: OnHostsOptions): Promise<ProfileStatusReport[]> {
  const described = await onHosts(o, async (p, host) => {
    const d = await host.query(p);
    return Object.keys(p.settings.secrets).length
      ? { ...d, secrets: await host.secretStatus(p) }
      : d;
  });
  return o.plan.map((p) => report(p, described.get(p)!));
}

function stateOf(p: ProfilePlan, d: ProfileDescription): ProfileState {
  if (d.pending) return "pending";
  if (d.generation === null) return "not-deployed";
  const running = d.runningClosure ?? null;
  if (
    (running !== null && running !== d.closure) ||
    (running === null && d.record?.outcome === "activated-for-boot")
  ) return "set-for-boot";
  return d.closure === p.path ? "up-to-date" : "differs";
}

export function report(
  p: ProfilePlan,
  d: (ProfileDescription & { secrets?: SecretState[] }) | Error,
): ProfileStatusReport {
  const empty = {
    node: p.node,
    profile: p.profile,
    profilePath: null,
    generation: null,
    closure: null,
    deployedAt: null,
    deployer: null,
    outcome: null,
    matchesFlake: false,
    lastAttempt: null,
    pending: null,
    running: null,
    recovered: null,
    secrets: [],
  };
  if (d instanceof Error) return { ...empty, state: "error", error: d.message };
  const last = d.lastAttempt ?? null;
  const pending = d.pending ?? null;
  return {
    ...empty,
    state: stateOf(p, d),
    profilePath: d.profilePath,
    generation: d.generation,
    closure: d.closure,
    deployedAt: d.record?.time ?? null,
    deployer: d.record?.deployer ?? null,
    outcome: d.record?.outcome ?? null,
    matchesFlake: d.closure === p.path,
    lastAttempt: last &&
      { time: last.time, outcome: last.outcome, message: last.message, deployer: last.deployer },
    pending: pending && {
      since: new Date(pending.since).toISOString(),
      deployer: pending.deployer,
      phase: pending.phase,
      rollsBackAt: pending.confirmDeadline === null
        ? null
        : new Date(pending.confirmDeadline).toISOString(),
    },
    running: d.runningClosure && d.runningClosure !== d.closure ? d.runningClosure : null,
    recovered: d.recovered ?? null,
    secrets: d.secrets ?? [],
  };
}
