/**
 * OpenSSH's patterns (match.c): `*` is any run of characters, `?` exactly
 * one; in a list, a matching `!pattern` vetoes whatever else matched.
 * Case counts as it does there: ssh_config `Host` and `Match user` compare
 * exactly; known_hosts entries and `Match host` lower-case the pattern
 * here (`lowerPattern`), and their callers lower-case the name, as
 * `match_hostname` lower-cases both.
 */

/**
 * Lower case as ssh's tolower(3) in the C locale: ASCII letters only. The
 * JavaScript one would turn the Kelvin sign into `k`, naming a host or key
 * ssh never names.
 */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** A string's UTF-8 bytes, one character each (Latin-1), as C's `char` sees them. */
function bytes(s: string): string {
  return new TextEncoder().encode(s).reduce((out, b) => out + String.fromCharCode(b), "");
}

export interface PatternCase {
  /** Lower-case the pattern before matching (OpenSSH's `dolower`). */
  lowerPattern?: boolean;
}

/** Whether one pattern (no negation) matches the whole name. */
export function wildcardMatches(pattern: string, name: string, c: PatternCase = {}): boolean {
  // ssh matches bytes: `?` is one byte of UTF-8, not one character.
  const p = bytes(c.lowerPattern ? asciiLower(pattern) : pattern);
  name = bytes(name);
  const re = p.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${re}$`, "s").test(name);
}

/**
 * Whether a pattern list names `name`. `matches` decides one pattern; known_hosts
 * passes its own to read hashed entries too.
 */
export function patternListMatches(
  patterns: readonly string[],
  name: string,
  matches: (pattern: string, name: string) => boolean = wildcardMatches,
): boolean {
  let matched = false;
  for (const p of patterns) {
    if (p.startsWith("!")) {
      if (matches(p.slice(1), name)) return false;
    } else if (matches(p, name)) matched = true;
  }
  return matched;
}
