/**
 * The lines at the bottom of a terminal that the live view rewrites: each
 * frame goes back to the first line of the one before and erases to the
 * end of the screen, so nothing the last frame left stays (a shorter frame
 * leaves no ghost row) and, the frame being no taller than the screen less
 * the line the cursor waits on, nothing scrolls into the scrollback.
 *
 * A resize moves what was drawn: a narrower terminal rewraps the old lines
 * (modern terminals reflow), so going back counts the rows they take now;
 * a lower one pushes the top of the old frame off the screen, where a later
 * taller one brings it back. Once that may have happened, every resize
 * redraws from the top of the screen, the only place known then.
 */
import { fitLine, lineColumns } from "./text_width.ts";

export interface TerminalSize {
  width: number;
  height: number;
}

export class LiveRegion {
  /** Columns of each line of the last frame; the cursor waits on the line below them. */
  #drawn: number[] = [];
  #size: TerminalSize | undefined;
  /** Whether a resize may have pushed lines of a frame off the top of the screen. */
  #spilled = false;

  /** The most lines a frame may have on a terminal this size. */
  static linesFor(size: TerminalSize): number {
    return Math.max(1, size.height - 1);
  }

  /** What to write to replace the last frame with `lines` (cut to the width, at most linesFor). */
  redraw(lines: string[], size: TerminalSize): string {
    const frame = lines.slice(0, LiveRegion.linesFor(size)).map((l) => fitLine(l, size.width).text);
    const out = this.#erase(size) + frame.map((l) => `${l}\n`).join("");
    this.#drawn = frame.map(lineColumns);
    this.#size = size;
    return out;
  }

  /** What to write to take the last frame away (before the summary, which takes its place). */
  clear(size: TerminalSize): string {
    const out = this.#erase(size);
    this.#drawn = [];
    this.#size = size;
    return out;
  }

  /** Forget the last frame: something else was written below it (a prompt), start under that. */
  forget(): void {
    this.#drawn = [];
  }

  #erase(size: TerminalSize): string {
    const before = this.#size;
    const resized = before !== undefined &&
      (before.width !== size.width || before.height !== size.height);
    // Nothing of ours on the screen (the first frame, or one below a prompt).
    if (this.#drawn.length === 0) return "\x1b[J";
    if (!resized) return `${up(this.#drawn.length)}\x1b[J`;
    // The rows the old lines take at the new width, once the terminal rewrapped them.
    const rows = this.#drawn.reduce((n, w) => n + Math.max(1, Math.ceil(w / size.width)), 0);
    if (rows + 1 > size.height) this.#spilled = true;
    return this.#spilled ? "\x1b[H\x1b[J" : `${up(rows)}\x1b[J`;
  }
}

/** To the first column, `n` lines up. */
const up = (n: number) => (n > 0 ? `\x1b[${n}F` : "\r");
