/**
 * `deploy exec` on a terminal: the command's output scrolls by above, each
 * line prefixed with its node, and under it a live region with a row per
 * node (running and its latest line, waiting for a --jobs slot, or failed
 * and why) below a header with the counts. The region is never taller than
 * the terminal (LiveRegion), so the header stays in view; nodes that ended
 * well are left to the header's counts when rows do not fit. At the end the
 * region goes, and the summary table follows (formatExecSummary).
 */
import type { ExecResult } from "../deploy/exec.ts";
import { counted } from "./counted.ts";
import { formatExecLine } from "./exec_format.ts";
import { showEscaped } from "./host_text.ts";
import { LiveRegion, type TerminalSize } from "./live_region.ts";

type ExecRowState = "waiting" | "running" | "done" | "failed";

interface ExecRow {
  node: string;
  state: ExecRowState;
  startedAt?: number;
  last: string;
  /** Why a failed node failed: its exit code, or what kept the command from running. */
  why?: string;
}

export interface ExecViewOptions {
  size: () => TerminalSize;
  color: boolean;
  now?: () => number;
}

const elapsed = (ms: number) => {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
};

/** One frame: the header, then as many rows as fit, running first, then failed, then waiting. */
export function execFrame(
  rows: readonly ExecRow[],
  o: { lines: number; now: number; startedAt: number; color: boolean },
): string[] {
  const paint = (code: string, s: string) => (o.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const count = (s: ExecRowState) => rows.filter((r) => r.state === s).length;
  const nodes = counted(rows.length, "node");
  const header = `deploy-ts exec ${elapsed(o.now - o.startedAt)}  ${nodes}: ` +
    `${paint("32", `${count("done")} done`)}, ${count("running")} running, ` +
    `${count("waiting")} waiting, ${paint("31", `${count("failed")} failed`)}`;
  const order: ExecRowState[] = ["running", "failed", "waiting"];
  const shown = order.flatMap((s) => rows.filter((r) => r.state === s));
  const width = Math.max(...rows.map((r) => r.node.length), 4);
  const line = (r: ExecRow) => {
    const state = r.state === "failed"
      ? paint("31", "FAILED ")
      : r.state === "running"
      ? "running"
      : "waiting";
    const time = r.startedAt === undefined ? "    " : elapsed(o.now - r.startedAt);
    const detail = r.state === "failed" ? r.why ?? "" : r.last;
    return `  ${r.node.padEnd(width)}  ${state}  ${time}  ${showEscaped(detail)}`.trimEnd();
  };
  const room = Math.max(0, o.lines - 1);
  if (shown.length <= room) return [header, ...shown.map(line)];
  const kept = shown.slice(0, Math.max(0, room - 1));
  const hidden = shown.slice(kept.length);
  const more = order.map((s) => [s, hidden.filter((r) => r.state === s).length] as const)
    .filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`).join(", ");
  return [header, ...kept.map(line), `  … ${hidden.length} more: ${more}`];
}

export interface ExecView {
  start(node: string): void;
  line(node: string, line: string): void;
  end(result: ExecResult): void;
  /** Redraw (a timer's tick, a resize). */
  draw(): void;
  /** Take the region away: what follows (the summary) takes its place. */
  finish(): void;
}

export function execView(
  write: (s: string) => void,
  nodes: readonly string[],
  o: ExecViewOptions,
): ExecView {
  const now = o.now ?? Date.now;
  const startedAt = now();
  const region = new LiveRegion();
  const rows = new Map<string, ExecRow>(
    nodes.map((node) => [node, { node, state: "waiting", last: "" }]),
  );
  const draw = () => {
    const size = o.size();
    write(region.redraw(
      execFrame([...rows.values()], {
        lines: LiveRegion.linesFor(size),
        now: now(),
        startedAt,
        color: o.color,
      }),
      size,
    ));
  };
  return {
    start(node) {
      const r = rows.get(node);
      if (r) Object.assign(r, { state: "running", startedAt: now() });
      draw();
    },
    line(node, line) {
      // The line goes above the region, into what scrolls: all output is kept.
      write(region.clear(o.size()) + formatExecLine(node, line));
      const r = rows.get(node);
      if (r) r.last = line;
      draw();
    },
    end(result) {
      const r = rows.get(result.node);
      if (r) {
        r.state = result.ok ? "done" : "failed";
        r.why = result.error ?? `exit ${result.code}`;
      }
      draw();
    },
    draw,
    finish() {
      write(region.clear(o.size()));
    },
  };
}
