/** What `deploy status`, `rollback` and `diff` need to know of a profile on its host. */
import { readlinkSync } from "node:fs";
import { currentGeneration, generationLink, listGenerations } from "./generations.ts";
import { type ActivationRecord, readRecords } from "./record.ts";

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
}

function target(link: string): string | null {
  try {
    return readlinkSync(link);
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
  return { profilePath, generation, closure, generations, record };
}
