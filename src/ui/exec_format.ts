/**
 * `deploy exec` as people read it: each line the command wrote, prefixed
 * with its node, and a table of exit codes at the end. Text from hosts is
 * shown escaped (host_text.ts).
 */
import { counted } from "./counted.ts";
import type { ExecResult } from "../deploy/exec.ts";
import { showEscaped } from "./host_text.ts";

/** One line of a node's output: `[node] line`. */
export function formatExecLine(node: string, line: string): string {
  return showEscaped(`[${node}] ${line}`) + "\n";
}

/** Every node with its exit code (or why the command did not run or end), and the count. */
export function formatExecSummary(results: readonly ExecResult[]): string {
  const width = Math.max(...results.map((r) => r.node.length), 4);
  const lines = results.map((r) => {
    const how = r.error ?? `exit ${r.code}`;
    return showEscaped(`  ${r.node.padEnd(width)}  ${r.ok ? "ok    " : "FAILED"}  ${how}`);
  });
  const ok = results.filter((r) => r.ok).length;
  const verdict = ok === results.length
    ? `the command succeeded on ${ok === 1 ? "the node" : `all ${ok} nodes`}`
    : `the command failed on ${results.length - ok} of ${counted(results.length, "node")}`;
  return `${lines.join("\n")}\n${verdict}\n`;
}

/** `deploy exec --json`: one JSON object per line, each with its time. */
export type ExecEvent =
  | { type: "exec-start"; node: string; destination: string }
  | { type: "exec-output"; node: string; stream: "stdout" | "stderr"; line: string }
  | ({ type: "exec-end" } & ExecResult)
  | { type: "exec-summary"; ok: boolean; nodes: ExecResult[] };

export function formatExecJson(event: ExecEvent, time = new Date()): string {
  return `${JSON.stringify({ ...event, time: time.toISOString() })}\n`;
}
