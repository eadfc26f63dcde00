/**
 * One frame of the live view (pure): a header with the counts, the build's
 * latest line while it runs, then a line per node.profile with its phase,
 * elapsed time and latest log line, grouped under a "wave N" line when the
 * rollout has several waves. A frame never has more lines than it is given:
 * when the rows do not fit, the running ones come first, then the failed,
 * then those still queued; finished rows are folded into the header's
 * counts, and a last line says how many more there are.
 */
import { type EventPhase, FINAL_PHASES } from "../shared/vocabulary.ts";
import { fitLine } from "./text_width.ts";
import { counted } from "./counted.ts";

export interface Row {
  node: string;
  /** Absent on a row about the node as a whole. */
  profile?: string;
  phase: EventPhase;
  /** The profile's wave in the rollout, when its events said. */
  wave?: number;
  startedAt?: number;
  finishedAt?: number;
  last: string;
  tail: string[];
  /** How the node's closures came, when through a binary cache (`cache 12 · ssh 0 paths`). */
  via?: string;
}

export interface ViewState {
  rows: Row[];
  global: string;
  startedAt: number;
}

export interface FrameSize {
  /** Columns of the terminal: every line is cut to one less. */
  width: number;
  /** Lines the frame may take (the terminal's height less the line the cursor waits on). */
  lines: number;
}

const FINAL = new Set<string>(FINAL_PHASES);
const FAILED = new Set<string>(["failed", "rolled-back", "revoked"]);
/** Not started, or held back by the run (a --jobs slot, the profile or wave before). */
const PENDING = new Set<string>(["queued", "waiting"]);
const COLORS: Record<string, string> = {
  done: "32",
  "rolled-back": "33",
  revoked: "33",
  failed: "31",
  skipped: "90",
};

/** What a row shows as its name. Names may hold dots, so it is never split again. */
export const label = (r: { node: string; profile?: string }) =>
  r.profile === undefined ? r.node : `${r.node}.${r.profile}`;

/** Which rows are shown first when not all fit: running, failed, queued, then finished. */
function urgency(r: Row): number {
  if (!FINAL.has(r.phase) && !PENDING.has(r.phase)) return 0;
  if (FAILED.has(r.phase)) return 1;
  if (PENDING.has(r.phase)) return 2;
  return 3;
}

export function renderFrame(
  state: ViewState,
  now: number,
  size: FrameSize,
  color: boolean,
): string[] {
  const paint = (
    code: string | undefined,
    s: string,
  ) => (color && code ? `\x1b[${code}m${s}\x1b[0m` : s);
  const count = (f: (r: Row) => boolean) => state.rows.filter(f).length;
  const done = count((r) => r.phase === "done");
  const failed = count((r) => r.phase === "failed" || r.phase === "rolled-back");
  const running = count((r) => !FINAL.has(r.phase) && !PENDING.has(r.phase));
  const nodes = new Set(state.rows.map((r) => r.node)).size;
  const header =
    `deploy-ts ${clock(now - state.startedAt)}  ${counted(nodes, "node")}, ${
      counted(state.rows.length, "profile")
    }: ` +
    `${paint("32", `${done} done`)}, ${running} running, ${
      paint(failed ? "31" : undefined, `${failed} failed`)
    }`;
  const lines = [header];
  if (state.global && size.lines > 2) lines.push(`  ${paint("90", state.global)}`);

  const waves = [...new Set(state.rows.map((r) => r.wave))];
  const headed = waves.length > 1;
  const ordered = headed
    ? [...state.rows].sort((a, b) => (a.wave ?? -1) - (b.wave ?? -1))
    : state.rows;
  const shown = chooseRows(ordered, size.lines - lines.length, headed);
  const nameWidth = Math.max(8, ...state.rows.map((r) => label(r).length));
  let heading: number | undefined;
  for (const r of ordered) {
    if (!shown.has(r)) continue;
    if (headed && r.wave !== undefined && r.wave !== heading) {
      heading = r.wave;
      lines.push(`  ${paint("1", `wave ${r.wave}`)}`);
    }
    const elapsed = r.startedAt === undefined ? "" : clock((r.finishedAt ?? now) - r.startedAt);
    lines.push(
      `  ${label(r).padEnd(nameWidth)}  ${paint(COLORS[r.phase], r.phase.padEnd(11))} ${
        elapsed.padStart(5)
      }  ${r.via ? `${paint("36", `[${r.via}]`)} ` : ""}${r.last}`,
    );
  }
  const hidden = ordered.filter((r) => !shown.has(r));
  if (hidden.length > 0 && lines.length < size.lines) {
    const phases = new Map<string, number>();
    for (const r of hidden) phases.set(r.phase, (phases.get(r.phase) ?? 0) + 1);
    const which = [...phases].map(([phase, n]) => `${n} ${phase}`).join(", ");
    lines.push(`  ${paint("90", `… ${hidden.length} more: ${which}`)}`);
  }
  return lines.slice(0, Math.max(1, size.lines)).map((l) => fitLine(l.trimEnd(), size.width).text);
}

/**
 * The rows that fit in `room` lines, a wave's heading counted with its
 * first row: all of them when they fit, else the most urgent first, one
 * line kept for "… N more".
 */
function chooseRows(ordered: Row[], room: number, headed: boolean): Set<Row> {
  const cost = (rows: Row[]) =>
    rows.length +
    (headed ? new Set(rows.filter((r) => r.wave !== undefined).map((r) => r.wave)).size : 0);
  if (cost(ordered) <= room) return new Set(ordered);
  const byUrgency = ordered
    .map((r, i) => ({ r, i }))
    .sort((a, b) => urgency(a.r) - urgency(b.r) || a.i - b.i)
    .map(({ r }) => r);
  const chosen: Row[] = [];
  const wavesChosen = new Set<number | undefined>();
  let left = room - 1;
  for (const r of byUrgency) {
    const needs = 1 + (headed && r.wave !== undefined && !wavesChosen.has(r.wave) ? 1 : 0);
    if (needs > left) continue;
    chosen.push(r);
    wavesChosen.add(r.wave);
    left -= needs;
  }
  return new Set(chosen);
}

function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
