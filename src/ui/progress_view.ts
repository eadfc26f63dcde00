/**
 * The live view on a terminal: frames of progress_frame.ts redrawn in place
 * (live_region.ts) at most as tall as the terminal, redrawn at once when it
 * is resized; then, in the frame's place, the summary, and for each profile
 * that failed the last lines of its log (Nix's build errors included: never
 * hidden).
 */
import type { DeployEvent, Reporter } from "../shared/events.ts";
import { formatSummary } from "./summary.ts";
import { promptState } from "./terminal_prompts.ts";
import { showEscaped } from "./host_text.ts";
import { monotonicMs } from "../process/clock.ts";
import { FINAL_PHASES } from "../shared/vocabulary.ts";
import { renderFrame, type Row, type ViewState } from "./progress_frame.ts";
import { LiveRegion } from "./live_region.ts";
import { fallbackNote, transferCell, type TransferEvent } from "./transfer_format.ts";

/** One line of text from elsewhere, safe to draw in a row (tabs would shift the layout). */
const cell = (s: string) => showEscaped(s).replaceAll("\t", " ");

const FINAL = new Set<string>(FINAL_PHASES);
/** Phases of a profile while the local build may still run ("waiting" comes after it). */
const BUILDING = new Set<string>(["queued", "building"]);

/** The key of a row: node and profile kept apart (node "web.eu" is not node "web" with profile "eu"). */
const rowKey = (node: string, profile?: string) => JSON.stringify([node, profile ?? null]);

export interface ProgressViewOptions {
  /** Columns of the terminal, asked at every frame. */
  width: () => number;
  /** Lines of the terminal, asked at every frame: a frame takes at most one less. */
  height: () => number;
  color: boolean;
  intervalMs?: number;
  /** Call `redraw` whenever the terminal is resized; returns how to stop. */
  onResize?: (redraw: () => void) => () => void;
}

export function progressView(
  write: (text: string) => void,
  options: ProgressViewOptions,
): Reporter {
  // Elapsed times on the monotonic clock, taken as events arrive: a step
  // of the wall clock (which stamps the events) does not change them.
  const state: ViewState = { rows: [], global: "", startedAt: monotonicMs() };
  const rows = new Map<string, Row>();
  const region = new LiveRegion();
  let timer: ReturnType<typeof setInterval> | undefined;
  let stopResize: (() => void) | undefined;
  let buildOver = false;
  const transfers: TransferEvent[] = [];

  const size = () => ({ width: options.width(), height: options.height() });
  let promptsSeen = promptState().finished;
  /** False while a prompt waits: nothing is drawn over it. */
  const mayDraw = () => {
    const prompts = promptState();
    if (prompts.active) return false;
    if (prompts.finished !== promptsSeen) {
      // A prompt was written below the last frame: start a new one under it.
      promptsSeen = prompts.finished;
      region.forget();
    }
    return true;
  };
  const draw = () => {
    if (!mayDraw()) return;
    const now = size();
    const lines = renderFrame(
      state,
      monotonicMs(),
      { width: now.width, lines: LiveRegion.linesFor(now) },
      options.color,
    );
    write(region.redraw(lines, now));
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
      stopResize = options.onResize?.(draw);
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
        if (!buildOver && !BUILDING.has(e.phase)) {
          // The local build is over once a profile goes on: its last line is no news.
          buildOver = true;
          state.global = "";
        }
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
      case "transfer":
        transfers.push(e);
        for (const r of state.rows.filter((r) => r.node === e.node)) r.via = transferCell(e);
        return;
      case "warning":
        state.global = cell(`warning: ${e.message}`);
        return;
      case "error":
        return;
      case "summary": {
        if (timer) clearInterval(timer);
        stopResize?.();
        // The summary takes the frame's place: the screen ends with it alone.
        let out = mayDraw() ? region.clear(size()) : "";
        out += formatSummary(e.profiles, e) + fallbackNote(transfers);
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
