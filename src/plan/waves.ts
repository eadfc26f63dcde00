/**
 * Rollouts in waves: which nodes deploy together, and in what order. A wave
 * starts only after every node of the one before is confirmed, so a bad
 * generation reaches the canaries and stops there.
 *
 * The waves come from the nodes' `wave` setting, or from `--waves`, which
 * names the nodes of each wave ("web1; web2,web3; *"), or selects them as
 * `--on` does ("@canary; web-*; *"): a node named by its name goes to that
 * wave, any other to the first wave whose glob or tag selects it, and what
 * is left to the wave of `*`.
 */
import type { ProfilePlan } from "../config/plan.ts";
import { closest } from "../config/suggest.ts";
import { UsageError } from "../shared/errors.ts";
import {
  matchesNode,
  type NodePattern,
  parseNodePattern,
  selectsNothing,
} from "../config/node_selector.ts";

/** `--waves` as parsed: each wave's entries (names, globs, @tags); `*` stands for every node not put elsewhere. */
export type WaveSpec = string[][];

export const EVERY_OTHER_NODE = "*";

/** Parse `--waves`: waves separated by `;`, node names in a wave by `,`. */
export function parseWaveSpec(text: string): WaveSpec {
  const waves = text.split(";").map((w) => w.split(",").map((n) => n.trim()));
  // A trailing ";" is a typing habit, not an empty wave.
  if (waves.length > 1 && waves.at(-1)!.join("") === "") waves.pop();
  const seen = new Set<string>();
  for (const [i, wave] of waves.entries()) {
    if (wave.some((n) => n === "")) {
      throw new UsageError(
        `--waves: wave ${i + 1} of ${JSON.stringify(text)} has an empty node name ` +
          `(waves are separated by ";", nodes by ",")`,
      );
    }
    for (const name of wave) {
      if (name !== EVERY_OTHER_NODE) parseNodePattern(name, "--waves");
      if (seen.has(name)) {
        throw new UsageError(
          name === EVERY_OTHER_NODE
            ? `--waves: "*" (every node not named elsewhere) may appear once`
            : `--waves: node ${JSON.stringify(name)} is named twice; a node belongs to one wave`,
        );
      }
      seen.add(name);
    }
  }
  return waves;
}

/** The plan in its own order, each profile with the wave `spec` puts it in (checked as planWaves does). */
export function assignWaves(plan: readonly ProfilePlan[], spec?: WaveSpec): ProfilePlan[] {
  if (spec === undefined) return [...plan];
  const waveOf = new Map(planWaves(plan, spec).flat().map((p) => [p.node, p.wave]));
  return plan.map((p) => ({ ...p, wave: waveOf.get(p.node)! }));
}

/**
 * The plan's profiles in waves, first wave first, each profile carrying its
 * wave's number. Without a spec, nodes go by their `wave` setting (smallest
 * first); with one, wave i of the spec is wave i. Within a wave, plan order.
 * Every selected node must be in a wave, and every name must be a selected node.
 */
export function planWaves(plan: readonly ProfilePlan[], spec?: WaveSpec): ProfilePlan[][] {
  if (spec === undefined) {
    const numbers = [...new Set(plan.map((p) => p.wave))].sort((a, b) => a - b);
    return numbers.map((n) => plan.filter((p) => p.wave === n));
  }
  const nodes = [
    ...new Map(plan.map((p) => [p.node, { name: p.node, tags: p.tags ?? [] }])).values(),
  ];
  const names = nodes.map((n) => n.name);
  const entries: { wave: number; pattern: NodePattern }[] = spec.flatMap((wave, i) =>
    wave.filter((e) => e !== EVERY_OTHER_NODE).map((e) => ({
      wave: i,
      pattern: parseNodePattern(e, "--waves"),
    }))
  );
  for (const { pattern } of entries) {
    if (pattern.kind === "name") {
      if (names.includes(pattern.name)) continue;
      const hint = closest(pattern.name, names);
      throw new UsageError(
        `--waves names the node ${
          JSON.stringify(pattern.name)
        }, which is not among the selected nodes (${
          names.map((n) => JSON.stringify(n)).join(", ")
        })${hint ? `; did you mean ${JSON.stringify(hint)}?` : ""}`,
      );
    }
    if (!nodes.some((n) => matchesNode(pattern, n))) {
      throw new UsageError(selectsNothing(pattern, nodes, "--waves").message);
    }
  }
  const waveOf = new Map<string, number>();
  // Names first, whichever wave they are in; then globs and tags, first wave first.
  for (const { wave, pattern } of entries) {
    if (pattern.kind === "name") waveOf.set(pattern.name, wave);
  }
  for (const { wave, pattern } of entries) {
    for (const node of nodes) {
      if (!waveOf.has(node.name) && matchesNode(pattern, node)) waveOf.set(node.name, wave);
    }
  }
  const rest = spec.findIndex((w) => w.includes(EVERY_OTHER_NODE));
  for (const { name: node } of nodes) {
    if (waveOf.has(node)) continue;
    if (rest < 0) {
      throw new UsageError(
        `--waves puts the selected node ${
          JSON.stringify(node)
        } in no wave; name it, or end with "; *" for every other node`,
      );
    }
    waveOf.set(node, rest);
  }
  return spec.map((_, i) =>
    plan.filter((p) => waveOf.get(p.node) === i).map((p) => ({ ...p, wave: i }))
  ).filter((w) => w.length > 0);
}
