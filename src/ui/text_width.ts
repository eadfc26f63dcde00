/**
 * How many columns a line of the live view takes on a terminal, and the
 * line cut to fit: colour codes take none, East Asian wide characters and
 * emoji take two, combining marks none. A row that is one column too wide
 * wraps onto the next line and every later redraw would be off by one.
 */

/** The colour codes the view paints with (and nothing else reaches a row: host text is escaped). */
// deno-lint-ignore no-control-regex
const SGR = /^\x1b\[[0-9;]*m/;

// Ranges from Unicode's East Asian Width (W and F) and the emoji blocks, coarsely.
const WIDE: [number, number][] = [
  [0x1100, 0x115f],
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x23e9, 0x23ec],
  [0x25fd, 0x25fe],
  [0x2614, 0x2615],
  [0x2648, 0x2653],
  [0x26a1, 0x26a1],
  [0x26aa, 0x26ab],
  [0x26bd, 0x26be],
  [0x26c4, 0x26c5],
  [0x26d4, 0x26d4],
  [0x26ea, 0x26ea],
  [0x26f2, 0x26f5],
  [0x26fa, 0x26fd],
  [0x2705, 0x2705],
  [0x270a, 0x270b],
  [0x2728, 0x2728],
  [0x274c, 0x274c],
  [0x2753, 0x2755],
  [0x2757, 0x2757],
  [0x2795, 0x2797],
  [0x27b0, 0x27b0],
  [0x27bf, 0x27bf],
  [0x2b1b, 0x2b1c],
  [0x2b50, 0x2b50],
  [0x2b55, 0x2b55],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x1f004, 0x1f004],
  [0x1f0cf, 0x1f0cf],
  [0x1f18e, 0x1f18e],
  [0x1f191, 0x1f19a],
  [0x1f200, 0x1f2ff],
  [0x1f300, 0x1f64f],
  [0x1f680, 0x1f6ff],
  [0x1f7e0, 0x1f7eb],
  [0x1f900, 0x1f9ff],
  [0x1fa70, 0x1faff],
  [0x20000, 0x3fffd],
];

/** Columns one character takes. */
export function charColumns(ch: string): number {
  const code = ch.codePointAt(0) ?? 0;
  // Combining marks, zero-width space/joiners, variation selectors.
  if (
    (code >= 0x0300 && code <= 0x036f) || (code >= 0x200b && code <= 0x200f) ||
    (code >= 0xfe00 && code <= 0xfe0f)
  ) return 0;
  return WIDE.some(([from, to]) => code >= from && code <= to) ? 2 : 1;
}

/** Columns a line takes, colour codes not counted. */
export function lineColumns(line: string): number {
  return fitLine(line, Infinity).columns;
}

/**
 * The line cut to at most `width - 1` columns (the last column stays free:
 * some terminals wrap as soon as it is written), colour codes kept.
 */
export function fitLine(line: string, width: number): { text: string; columns: number } {
  const room = width - 1;
  let out = "";
  let columns = 0;
  let cut = false;
  for (let i = 0; i < line.length;) {
    const sgr = SGR.exec(line.slice(i, i + 32));
    if (sgr) {
      out += sgr[0];
      i += sgr[0].length;
      continue;
    }
    const ch = String.fromCodePoint(line.codePointAt(i) ?? 0);
    i += ch.length;
    if (cut) continue;
    const w = charColumns(ch);
    if (columns + w > room) {
      cut = true;
      continue;
    }
    out += ch;
    columns += w;
  }
  return { text: out, columns };
}
