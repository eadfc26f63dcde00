/**
 * A real terminal emulator without a window (xterm.js's headless one): fed
 * what the live view writes, it shows what a person would see, and how many
 * lines went into its scrollback. For the live view's tests.
 */
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
