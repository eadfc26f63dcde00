/**
 * OpenSSH's host patterns (ssh_config `Host`, known_hosts host lists):
 * `*` is any run of characters, `?` exactly one, matched without regard to
 * case; in a list, a matching `!pattern` vetoes whatever else matched.
 */

/** Whether one pattern (no negation) matches the whole name. */
export function wildcardMatches(pattern: string, name: string): boolean {
  const re = pattern.toLowerCase().replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`).test(name.toLowerCase());
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
