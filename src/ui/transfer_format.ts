/**
 * How a node's closures came through a binary cache, in words: a line for
 * the plain output and the log files, a short cell for the live view's row,
 * and the summary's note on the nodes that fell back to SSH.
 */
import type { DeployEvent } from "../shared/events.ts";
import { formatSize } from "./diff_format.ts";
import { counted } from "./counted.ts";

export type TransferEvent = Extract<DeployEvent, { type: "transfer" }>;

/** `copied: 12 paths (3.4 MiB) from http://cache, 0 paths over SSH`, and why SSH when it was. */
export function transferLine(e: Omit<TransferEvent, "time">): string {
  const amount = (a: { paths: number; bytes: number }) =>
    `${counted(a.paths, "path")} (${formatSize(a.bytes)})`;
  return `copied: ${amount(e.fromCache)} from ${e.cache}, ${amount(e.overSsh)} over SSH` +
    (e.fellBack ? `; fell back to SSH: ${e.fellBack}` : "");
}

/** For the live view's row: `cache 12 · ssh 0 paths`. */
export function transferCell(e: Omit<TransferEvent, "time">): string {
  return `cache ${e.fromCache.paths} · ssh ${e.overSsh.paths} paths${
    e.fellBack ? " (fell back)" : ""
  }`;
}

/** The summary's lines about nodes that fell back to SSH; empty when none did. */
export function fallbackNote(transfers: readonly Omit<TransferEvent, "time">[]): string {
  const fell = transfers.filter((t) => t.fellBack);
  if (fell.length === 0) return "";
  return `${counted(fell.length, "node")} fell back to SSH from the binary cache:\n${
    fell.map((t) => `  ${t.node}: ${t.fellBack}`).join("\n")
  }\n`;
}
