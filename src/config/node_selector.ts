/**
 * Selecting nodes as colmena does (`--on`, and the entries of `--waves`): a
 * node name, a glob (`web-*`, `db?`; `*` any run of characters, `?` one), or
 * `@tag` (every node whose `tags` has it); several, comma-separated, select
 * the union. Pure: the names and tags come from the evaluation.
 */
import { ConfigError, UsageError } from "../shared/errors.ts";
import { closest } from "./suggest.ts";

/** One entry of a selection. */
export type NodePattern =
  | { kind: "name"; name: string }
  | { kind: "glob"; glob: string }
  | { kind: "tag"; tag: string };

/** A node as a selection sees it. */
export interface SelectableNode {
  name: string;
  tags: readonly string[];
}

/** One entry: `@tag`, a glob when it has `*` or `?`, otherwise a node name. */
export function parseNodePattern(text: string, flag = "--on"): NodePattern {
  if (text.startsWith("@")) {
    const tag = text.slice(1);
    if (tag === "" || /[\s,;@*?]/.test(tag)) {
      throw new UsageError(
        `${flag}: ${JSON.stringify(text)} is not a tag; write @ and the tag, e.g. @web`,
      );
    }
    return { kind: "tag", tag };
  }
  return /[*?]/.test(text) ? { kind: "glob", glob: text } : { kind: "name", name: text };
}

/** `--on a,web-*,@db`: the entries, each once, in the order given. */
export function parseNodePatterns(text: string, flag = "--on"): NodePattern[] {
  const words = text.split(",").map((w) => w.trim());
  if (words.some((w) => w === "")) {
    throw new UsageError(
      `${flag} ${
        JSON.stringify(text)
      } has an empty entry (node names, globs and @tags are separated by ",")`,
    );
  }
  const unique = [...new Set(words)];
  return unique.map((w) => parseNodePattern(w, flag));
}

/** An entry as the user wrote it. */
export function formatPattern(p: NodePattern): string {
  return p.kind === "tag" ? `@${p.tag}` : p.kind === "glob" ? p.glob : p.name;
}

/**
 * A glob as a regular expression that both POSIX ERE (Nix's builtins.match)
 * and JavaScript read alike, matching whole names: `*` is `.*`, `?` is `.`,
 * and every character either treats specially is escaped (`]` and `}` are
 * literal in both, and an escaped one is an error in Nix's).
 */
export function globRegex(glob: string): string {
  let out = "";
  for (const c of glob) {
    if (c === "*") out += ".*";
    else if (c === "?") out += ".";
    else if ("^$\\.+()[{|".includes(c)) out += `\\${c}`;
    else out += c;
  }
  return out;
}

/** Whether an entry selects a node. */
export function matchesNode(p: NodePattern, node: SelectableNode): boolean {
  switch (p.kind) {
    case "name":
      return node.name === p.name;
    case "tag":
      return node.tags.includes(p.tag);
    case "glob":
      return new RegExp(`^(?:${globRegex(p.glob)})$`, "s").test(node.name);
  }
}

/** Whether any of the entries selects a node (the union). */
export function matchesAny(patterns: readonly NodePattern[], node: SelectableNode): boolean {
  return patterns.some((p) => matchesNode(p, node));
}

/**
 * The error for an entry that selects none of `nodes`: what was given, what
 * there is (names or tags), and the closest one where it is close.
 */
export function selectsNothing(
  p: NodePattern,
  nodes: readonly SelectableNode[],
  flag = "--on",
): ConfigError {
  const given = `${flag} ${JSON.stringify(formatPattern(p))}`;
  const names = nodes.map((n) => n.name);
  const tags = [...new Set(nodes.flatMap((n) => n.tags))].sort();
  const list = (xs: string[]) =>
    xs.length === 0 ? "none" : xs.slice(0, 12).map((x) => JSON.stringify(x)).join(", ") +
      (xs.length > 12 ? `, … (${xs.length} in all)` : "");
  if (p.kind === "tag") {
    const hint = closest(p.tag, tags);
    return new ConfigError(
      `${given} selects no node: no selected node has the tag ${JSON.stringify(p.tag)} (tags: ${
        list(tags)
      })${hint ? `; did you mean "@${hint}"?` : ""}`,
    );
  }
  const hint = p.kind === "name"
    ? closest(p.name, names)
    : closest(p.glob.replaceAll(/[*?]/g, ""), names);
  return new ConfigError(
    `${given} selects no node (nodes: ${list(names)})${
      hint ? `; did you mean ${JSON.stringify(hint)}?` : ""
    }${p.kind === "name" && tags.includes(p.name) ? `; for the tag, write "@${p.name}"` : ""}`,
  );
}

/**
 * The nodes the entries select, in the order of `nodes`; an entry that
 * selects none of them is an error (a typo would otherwise quietly shrink
 * the selection).
 */
export function selectNodes(
  patterns: readonly NodePattern[],
  nodes: readonly SelectableNode[],
  flag = "--on",
): SelectableNode[] {
  for (const p of patterns) {
    if (!nodes.some((n) => matchesNode(p, n))) throw selectsNothing(p, nodes, flag);
  }
  return nodes.filter((n) => matchesAny(patterns, n));
}

/** The entries as data for the Nix selection (src/nix/select_expr.ts), globs as regexes. */
export interface NixNodeMatchers {
  names: string[];
  regexes: string[];
  tags: string[];
}

export function nixMatchers(patterns: readonly NodePattern[]): NixNodeMatchers {
  return {
    names: patterns.flatMap((p) => p.kind === "name" ? [p.name] : []),
    regexes: patterns.flatMap((p) => p.kind === "glob" ? [globRegex(p.glob)] : []),
    tags: patterns.flatMap((p) => p.kind === "tag" ? [p.tag] : []),
  };
}
