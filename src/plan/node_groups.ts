/**
 * A plan by node: nodes are what run in parallel (one login each), their
 * profiles in order, as deploy-rs deploys a node's profiles one by one.
 */
import type { ProfilePlan } from "../config/plan.ts";

/** The nodes of a plan, in plan order, each with its profiles in order. */
export function groupByNode(
  plan: readonly ProfilePlan[],
): { node: string; profiles: ProfilePlan[] }[] {
  const nodes = new Map<string, ProfilePlan[]>();
  for (const p of plan) {
    if (!nodes.has(p.node)) nodes.set(p.node, []);
    nodes.get(p.node)!.push(p);
  }
  return [...nodes].map(([node, profiles]) => ({ node, profiles }));
}
