/**
 * The text of `deploy diff`: per profile, the packages added, removed,
 * changed in version and rebuilt, and the closure size before and after.
 */

import type { ClosureDiff, ProfileDiff } from "../deploy/diff.ts";

/** One profile's part of `deploy diff`: its changes, or why they could not be found. */
export function formatProfileDiff(d: ProfileDiff): string {
  return d.diff
    ? formatDiff(d.node, d.profile, d.diff, d.generation)
    : `${d.node}.${d.profile}: error: ${d.error}\n`;
}

/** A size in bytes as a person reads it: `1.5 KiB`, `-200 B`. */
export function formatSize(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB"];
  let v = Math.abs(bytes);
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${bytes < 0 ? "-" : ""}${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/** The lines of one profile that `deploy diff` could compare. */
export function formatDiff(
  node: string,
  profile: string,
  d: ClosureDiff,
  generation: number | null,
): string {
  const lines = [
    `${node}.${profile}: ${
      generation === null ? "not deployed yet" : `generation ${generation}`
    } -> new closure`,
  ];
  for (const p of d.added) lines.push(`  + ${p.name} ${p.version}`.trimEnd());
  for (const p of d.removed) lines.push(`  - ${p.name} ${p.version}`.trimEnd());
  for (const c of d.changed) lines.push(`  ~ ${c.name} ${c.from} -> ${c.to}`);
  for (const p of d.rebuilt) {
    lines.push(`  * ${[p.name, p.version].filter(Boolean).join(" ")} (rebuilt)`);
  }
  if (d.added.length + d.removed.length + d.changed.length + d.rebuilt.length === 0) {
    lines.push("  no changes: the host runs this closure");
  }
  const delta = d.sizeAfter - d.sizeBefore;
  lines.push(
    `  closure size: ${formatSize(d.sizeBefore)} -> ${formatSize(d.sizeAfter)} (${
      delta >= 0 ? "+" : ""
    }${formatSize(delta)})`,
  );
  return `${lines.join("\n")}\n`;
}
