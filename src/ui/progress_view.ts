/**
 * The live view on a terminal: a header with the counts, one line per
 * node.profile with its phase, elapsed time and latest log line (grouped
 * under a "wave N" line when the rollout has several waves), redrawn in
 * place; then the summary, and for each profile that failed the last lines
 * of its log (Nix's build errors included: never hidden).
 */
import type { DeployEvent, Reporter } from "../shared/events.ts";
import { formatSummary } from "./summary.ts";
import { promptState } from "./terminal_prompts.ts";
import { showEscaped } from "./host_text.ts";
import { monotonicMs } from "../process/clock.ts";
import { type EventPhase, FINAL_PHASES } from "../shared/vocabulary.ts";

/** One line of text from elsewhere, safe to draw in a row (tabs would shift the layout). */
const cell = (s: string) => showEscaped(s).replaceAll("\t", " ");

interface Row {
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
}

const FINAL = new Set<string>(FINAL_PHASES);
const COLORS: Record<string, string> = {
  done: "32",
  "rolled-back": "33",
  revoked: "33",
  failed: "31",
  skipped: "90",
};

/** What a row shows as its name. Names may hold dots, so it is never split again. */
const label = (r: { node: string; profile?: string }) =>
  r.profile === undefined ? r.node : `${r.node}.${r.profile}`;

/** The key of a row: node and profile kept apart (node "web.eu" is not node "web" with profile "eu"). */
const rowKey = (node: string, profile?: string) => JSON.stringify([node, profile ?? null]);

export interface ViewState {
  rows: Row[];
  global: string;
  startedAt: number;
}

/** One frame of the view (pure; tested). */
export function renderFrame(
  state: ViewState,
  now: number,
  width: number,
  color: boolean,
): string[] {
  const paint = (
    code: string | undefined,
    s: string,
  ) => (color && code ? `\x1b[${code}m${s}\x1b[0m` : s);
  const count = (f: (r: Row) => boolean) => state.rows.filter(f).length;
  const done = count((r) => r.phase === "done");
  const failed = count((r) => r.phase === "failed" || r.phase === "rolled-back");
  const running = count((r) => !FINAL.has(r.phase) && r.phase !== "queued");
  const nodes = new Set(state.rows.map((r) => r.node)).size;
  const header =
    `deploy-ts ${clock(now - state.startedAt)}  ${nodes} node${
      nodes === 1 ? "" : "s"
    }, ${state.rows.length} profiles: ` +
    `${paint("32", `${done} done`)}, ${running} running, ${
      paint(failed ? "31" : undefined, `${failed} failed`)
    }`;
  const nameWidth = Math.max(8, ...state.rows.map((r) => label(r).length));
  const lines = [header];
  if (state.global) lines.push(`  ${paint("90", state.global)}`);
  const waves = [...new Set(state.rows.map((r) => r.wave))];
  const byWave = waves.length > 1
    ? [...state.rows].sort((a, b) => (a.wave ?? -1) - (b.wave ?? -1))
    : state.rows;
  let heading: number | undefined;
  for (const r of byWave) {
    if (waves.length > 1 && r.wave !== undefined && r.wave !== heading) {
      heading = r.wave;
      lines.push(`  ${paint("1", `wave ${r.wave}`)}`);
    }
    const elapsed = r.startedAt === undefined ? "" : clock((r.finishedAt ?? now) - r.startedAt);
    lines.push(
      `  ${label(r).padEnd(nameWidth)}  ${paint(COLORS[r.phase], r.phase.padEnd(11))} ${
        elapsed.padStart(5)
      }  ${r.last}`,
    );
  }
  return lines.map((l) => truncate(l.trimEnd(), width));
}

function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** Cut a line to the terminal's width, not counting colour codes. */
function truncate(line: string, width: number): string {
  let visible = 0;
  let out = "";
  for (let i = 0; i < line.length; i++) {
    if (line[i] === "\x1b") {
      const end = line.indexOf("m", i);
      out += line.slice(i, end + 1);
      i = end;
      continue;
    }
    if (visible >= width - 1) break;
    out += line[i];
    visible++;
  }
  return out;
}

export function progressView(
  write: (text: string) => void,
  options: { width: () => number; color: boolean; intervalMs?: number },
): Reporter {
  // Elapsed times on the monotonic clock, taken as events arrive: a step
  // of the wall clock (which stamps the events) does not change them.
  const state: ViewState = { rows: [], global: "", startedAt: monotonicMs() };
  const rows = new Map<string, Row>();
  let drawn = 0;
  let timer: ReturnType<typeof setInterval> | undefined;

  let promptsSeen = promptState().finished;
  const draw = () => {
    const prompts = promptState();
    if (prompts.active) return;
    if (prompts.finished !== promptsSeen) {
      // A prompt was written below the last frame: start a new one under it.
      promptsSeen = prompts.finished;
      drawn = 0;
    }
    const frame = renderFrame(state, monotonicMs(), options.width(), options.color);
    // Back to the top of the previous frame, then rewrite every line.
    let out = drawn > 0 ? `\x1b[${drawn}F` : "";
    for (const line of frame) out += `\x1b[2K${line}\n`;
    write(out);
    drawn = frame.length;
  };
  const row = (e: { node: string; profile?: string }) => {
    const key = rowKey(e.node, e.profile);
    let r = rows.get(key);
    if (!r) {
      r = { node: e.node, profile: e.profile, phase: "queued", last: "", tail: [] };
      rows.set(key, r);
      state.rows.push(r);
    }
    return r;
  };

  return (e: DeployEvent) => {
    // Start drawing with the first profile: prompts (-i, sudo passwords)
    // come before that and must not be painted over.
    if (!timer && e.type !== "summary" && e.node !== undefined) {
      timer = setInterval(draw, options.intervalMs ?? 100);
      (timer as { unref?: () => void }).unref?.();
    }
    switch (e.type) {
      case "phase": {
        if (e.node === undefined) {
          state.global = cell(`${e.phase}${e.message ? ` ${e.message.split("\n")[0]}` : ""}`);
          return;
        }
        const r = row({ node: e.node, profile: e.profile });
        if (e.wave !== undefined) r.wave = e.wave;
        if (r.startedAt === undefined && e.phase !== "queued") r.startedAt = monotonicMs();
        r.phase = e.phase;
        if (FINAL.has(e.phase)) r.finishedAt = monotonicMs();
        if (e.message) r.last = cell(e.message.split("\n")[0]);
        return;
      }
      case "log": {
        if (e.node === undefined) {
          state.global = cell(e.line);
          return;
        }
        const targets = e.profile === undefined
          ? state.rows.filter((r) => r.node === e.node)
          : [row({ node: e.node, profile: e.profile })];
        for (const r of targets) {
          r.last = cell(e.line);
          r.tail.push(r.last);
          if (r.tail.length > 15) r.tail.shift();
        }
        return;
      }
      case "warning":
        state.global = cell(`warning: ${e.message}`);
        return;
      case "error":
        return;
      case "summary": {
        if (timer) clearInterval(timer);
        state.global = "";
        draw();
        let out = `\n${formatSummary(e.profiles, e)}`;
        for (const p of e.profiles.filter((p) => !p.ok && p.status !== "skipped")) {
          const r = rows.get(rowKey(p.node, p.profile));
          out += `\n${p.node}.${p.profile}: ${showEscaped(p.message)}\n`;
          if (r?.tail.length) out += `${r.tail.map((l) => `  | ${l}`).join("\n")}\n`;
        }
        write(out);
        return;
      }
    }
  };
}
