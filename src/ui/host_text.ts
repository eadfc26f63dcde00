/**
 * Text from hosts (their logs, ssh's and Nix's output, messages quoting
 * them) is shown, never obeyed: a terminal would act on escape sequences
 * (retitle, clear, rewrite earlier lines, hyperlinks) and on `\r`, and
 * bidirectional-override characters reorder what is read. Every rendering
 * for people (live view, plain lines, summary, log files) shows such
 * characters escaped; newline and tab stay.
 */

// C0 controls but \t and \n, DEL and C1, bidi embeddings/overrides/isolates.
// deno-lint-ignore no-control-regex
const STEERING = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { "\r": "\\r", "\x0b": "\\v", "\x0c": "\\f" };

/** The text with each control character written as an escape (`\x1b`, `\r`, `\u202e`). */
export function showEscaped(text: string): string {
  return text.replace(STEERING, (c) => {
    const code = c.charCodeAt(0);
    return NAMED[c] ??
      (code <= 0xff
        ? `\\x${code.toString(16).padStart(2, "0")}`
        : `\\u${code.toString(16).padStart(4, "0")}`);
  });
}
