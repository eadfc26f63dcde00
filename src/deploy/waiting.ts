/**
 * What holds profiles back when a wave starts, said as `waiting` phases
 * rather than left showing their last step: the wave's nodes past the first
 * `jobs` wait for a slot, the later waves' for this wave. (A node that gets
 * its slot says `connecting`; a later wave is told again when its turn comes.)
 */
import type { ProfilePlan } from "../config/plan.ts";
import { groupByNode } from "../plan/node_groups.ts";

export function waitsBeforeWave(
  waves: readonly ProfilePlan[][],
  i: number,
  jobs: number,
): { plan: ProfilePlan; why: string }[] {
  const slot = groupByNode(waves[i]).slice(jobs).flatMap(({ profiles }) =>
    profiles.map((plan) => ({ plan, why: `for a --jobs slot (${jobs} at once)` }))
  );
  const later = waves.slice(i + 1).flat().map((plan) => ({
    plan,
    why: `for wave ${waves[i][0].wave}`,
  }));
  return [...slot, ...later];
}
