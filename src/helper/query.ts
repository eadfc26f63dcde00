/** What `deploy status`, `rollback` and `diff` need to know of a profile on its host. */
import type { RunPhase } from "../shared/vocabulary.ts";
import { currentGeneration, generationLink, listGenerations } from "./generations.ts";
import { readPending } from "./pending.ts";
import { type ActivationRecord, readRecords } from "./record.ts";
import { RunDir } from "./run_dir.ts";

/** A run whose outcome is not final yet (its worker holds the profile's lock). */
export interface PendingDescription {
  runDir: string;
  deployer: string;
  closure: string;
  /** Epoch ms the run started. */
  since: number;
  /** Where the run stands, from its status (null when it cannot be read). */
  phase: RunPhase | null;
  /** When its confirmation window closes (epoch ms): unconfirmed, it rolls back then. */
  confirmDeadline: number | null;
}

/** NixOS's running system: what `/nix/var/nix/profiles/system` points to need not be it (`--boot`). */
const SYSTEM_PROFILE = "/nix/var/nix/profiles/system";
const RUNNING_SYSTEM = "/run/current-system";

export interface ProfileDescription {
  profilePath: string;
  /** The active generation, or null when the profile does not exist. */
  generation: number | null;
  /** The store path the profile points to now. */
  closure: string | null;
  generations: { generation: number; closure: string | null }[];
  /** The host's record of the activation that made the active generation, if deploy-ts made it. */
  record: ActivationRecord | null;
  /** What this query rolled back first: a run whose worker had died before its outcome. */
  recovered?: string | null;
  /** The host's newest record, whatever its outcome (a rolled-back attempt, a failed one). */
  lastAttempt?: ActivationRecord | null;
  /** A run still deciding (in its confirmation window, activating). */
  pending?: PendingDescription | null;
  /** For the system profile where NixOS runs: the running system's store path. */
  runningClosure?: string | null;
}

function target(link: string): string | null {
  try {
    return Deno.readLinkSync(link);
  } catch {
    return null;
  }
}

export function describeProfile(profilePath: string): ProfileDescription {
  const generation = currentGeneration(profilePath) ?? null;
  const generations = listGenerations(profilePath).map((g) => ({
    generation: g,
    closure: target(generationLink(profilePath, g)),
  }));
  const closure = generations.find((g) => g.generation === generation)?.closure ?? null;
  const records = readRecords(profilePath);
  const record =
    [...records].reverse().find((r) =>
      r.activeGeneration === generation && r.closure === closure
    ) ??
      [...records].reverse().find((r) => r.activeGeneration === generation) ?? null;
  return {
    profilePath,
    generation,
    closure,
    generations,
    record,
    lastAttempt: records.at(-1) ?? null,
    pending: pendingRun(profilePath),
    runningClosure: profilePath === SYSTEM_PROFILE ? target(RUNNING_SYSTEM) : null,
  };
}

function pendingRun(profilePath: string): PendingDescription | null {
  const run = readPending(profilePath);
  if (!run) return null;
  let status;
  try {
    status = RunDir.open(run.runDir).readStatus();
  } catch {
    // A run directory that cannot be opened says nothing more; the mark still counts.
  }
  return {
    runDir: run.runDir,
    deployer: run.deployer,
    closure: run.closure,
    since: run.since,
    phase: status?.phase ?? null,
    confirmDeadline: status?.confirmDeadline ?? null,
  };
}
