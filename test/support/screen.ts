/**
 * A real terminal emulator without a window (xterm.js's headless one): fed
 * what the live view writes, it shows what a person would see, and how many
 * lines went into its scrollback. For the live view's tests.
 */
import assert from "node:assert/strict";
import xterm from "@xterm/headless";

/** The rows of the live view's header, as the screen shows it. */
export const HEADER = /^deploy-ts \d+:\d\d {2}\d+ nodes?, \d+ profiles?: /;

export class Screen {
  readonly #term: InstanceType<typeof xterm.Terminal>;

  /**
   * `cols` × `rows`. `pty`: output comes through a pseudo-terminal that
   * already turned each "\n" into "\r\n"; otherwise the screen does
   * (as a terminal's line discipline would).
   */
  constructor(cols: number, rows: number, o: { pty?: boolean } = {}) {
    this.#term = new xterm.Terminal({
      cols,
      rows,
      scrollback: 10_000,
      convertEol: !o.pty,
      allowProposedApi: true,
    });
  }

  write(data: string): Promise<void> {
    return new Promise((resolve) => this.#term.write(data, resolve));
  }

  resize(cols: number, rows: number): void {
    this.#term.resize(cols, rows);
  }

  get cols(): number {
    return this.#term.cols;
  }

  get rows(): number {
    return this.#term.rows;
  }

  /** Lines that went off the top of the screen, into the scrollback. */
  get scrolledOff(): number {
    return this.#term.buffer.active.baseY;
  }

  /** The lines on the screen, trailing blanks left out. */
  visible(): string[] {
    const b = this.#term.buffer.active;
    const out: string[] = [];
    for (let y = 0; y < this.#term.rows; y++) {
      out.push(b.getLine(b.baseY + y)?.translateToString(true).trimEnd() ?? "");
    }
    return out;
  }

  /**
   * The lines written from buffer line `from` on (scrollback and screen), a
   * line that wrapped joined again, trailing blank lines left out.
   */
  text(from = 0): string[] {
    const b = this.#term.buffer.active;
    const out: string[] = [];
    for (let y = from; y < b.length; y++) {
      const line = b.getLine(y);
      const s = line?.translateToString(true) ?? "";
      if (line?.isWrapped && out.length > 0) out[out.length - 1] += s;
      else out.push(s);
    }
    while (out.at(-1)?.trim() === "") out.pop();
    return out.map((l) => l.trimEnd());
  }

  /** Screen lines (0-based) that are the continuation of a longer line (it wrapped). */
  wrapped(): number[] {
    const b = this.#term.buffer.active;
    const out: number[] = [];
    for (let y = 0; y < this.#term.rows; y++) {
      if (b.getLine(b.baseY + y)?.isWrapped) out.push(y);
    }
    return out;
  }

  /** Everything on the screen and in the scrollback, for messages. */
  dump(): string {
    const b = this.#term.buffer.active;
    const out: string[] = [];
    for (let y = 0; y < b.length; y++) {
      out.push(`${y < b.baseY ? "^" : "|"} ${b.getLine(y)?.translateToString(true) ?? ""}`);
    }
    return out.join("\n");
  }

  dispose(): void {
    this.#term.dispose();
  }
}

/** What a write of the view shows: its escapes and colours taken out, a line each. */
export function shownLines(chunk: string): string[] {
  // deno-lint-ignore no-control-regex
  const text = chunk.replace(/\x1b\[[0-9;]*[A-Za-z]|\r/g, "");
  const lines = text.split("\n").map((l) => l.trimEnd());
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/**
 * The view's output cut where each frame (or the summary in its place)
 * begins: at a move up or to the top, or at an erase to the end of the
 * screen that follows none.
 */
export function framesOf(out: string): string[] {
  // deno-lint-ignore no-control-regex
  return out.split(/(?=\x1b\[\d+F|\x1b\[H)|(?<!\x1b\[\d+F|\x1b\[H)(?=\x1b\[J)/);
}

/**
 * After a frame (`chunk`, what the view wrote for it) reached the screen:
 * no line wrapped, the header is on the screen once, and from it down the
 * screen holds exactly this frame, nothing of an earlier one. `scrolledOff`:
 * how many lines the scrollback must hold (what the terminal itself pushed
 * there on a resize); without it, no line of the view may be there.
 * Returns the header's line on the screen.
 */
export function assertFrameShown(
  screen: Screen,
  chunk: string,
  where: string,
  scrolledOff?: number,
): number {
  const why = `${where}\n${screen.dump()}`;
  assert.deepEqual(screen.wrapped(), [], `no line wraps: ${why}`);
  if (scrolledOff !== undefined) {
    assert.equal(screen.scrolledOff, scrolledOff, `nothing went into the scrollback: ${why}`);
  } else {
    const gone = screen.text().slice(0, screen.scrolledOff);
    assert.ok(!gone.some((l) => HEADER.test(l)), `no frame in the scrollback: ${why}`);
  }
  const visible = screen.visible();
  const top = visible.findIndex((l) => HEADER.test(l));
  assert.equal(visible.filter((l) => HEADER.test(l)).length, 1, `the header, once: ${why}`);
  const frame = shownLines(chunk);
  assert.ok(frame.length < screen.rows, `at most one line less than the screen: ${why}`);
  const blank = Array(screen.rows - top - frame.length).fill("");
  assert.deepEqual(visible.slice(top), [...frame, ...blank], `the frame and nothing else: ${why}`);
  const names = visible.map((l) => l.match(/^ {2}(\S+\.\S+) {2}/)?.[1]).filter((n) => n);
  assert.equal(new Set(names).size, names.length, `no row twice: ${why}`);
  return top;
}
