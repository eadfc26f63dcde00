/**
 * `deploy rollback [--to GENERATION]`: switch each selected profile back to
 * its previous generation (or the one given) through the helper, with the
 * same protection as a deployment: auto rollback if the activation fails,
 * magic rollback unless a new connection confirms it.
 */
import { DeployError } from "../shared/errors.ts";
import type { ProfileResult } from "../shared/events.ts";
import { onHosts, type OnHostsOptions } from "./fleet.ts";
import { watchOf } from "../host/host.ts";
import { failedResult, resultOf } from "./profile_result.ts";

/** The generation to go back to: `to`, else the newest one before the active one. */
export function rollbackTarget(
  generations: readonly number[],
  active: number | null,
  to?: number,
): number {
  if (to !== undefined) {
    if (!generations.includes(to)) {
      throw new DeployError(
        `there is no generation ${to} (generations: ${generations.join(", ") || "none"})`,
      );
    }
    if (to === active) throw new DeployError(`generation ${to} is already active`);
    return to;
  }
  const earlier = generations.filter((g) => active !== null && g < active);
  if (earlier.length === 0) {
    throw new DeployError(
      active === null
        ? "the profile does not exist on the host"
        : `generation ${active} is the oldest; there is nothing to roll back to`,
    );
  }
  return Math.max(...earlier);
}

export async function rollbackProfiles(
  o: OnHostsOptions,
  to: number | undefined,
): Promise<ProfileResult[]> {
  const outcomes = await onHosts(o, async (p, host) => {
    const d = await host.query(p);
    const target = rollbackTarget(d.generations.map((g) => g.generation), d.generation, to);
    const closure = d.generations.find((g) => g.generation === target)!.closure!;
    return await host.activate(
      p,
      { goal: "switch", generation: target, closure },
      watchOf(p, o.emit),
    );
  });
  return o.plan.map((p): ProfileResult => {
    const r = outcomes.get(p)!;
    return r instanceof Error ? failedResult(p, r) : resultOf(p, r);
  });
}
