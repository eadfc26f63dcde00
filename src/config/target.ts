/**
 * Deploy targets, as deploy-rs writes them (reference §1.2): a flake
 * reference, optionally `#` and a fragment of at most two components, `node`
 * or `node.profile`, each a Nix identifier or a double-quoted string.
 */
import { ConfigError } from "../shared/errors.ts";

/** One parsed target. No node means every node; no profile means every profile of the node. */
export interface Target {
  /** The flake reference (`.`, a path, `github:o/r`), or with `--file` the Nix file. */
  repo: string;
  node?: string;
  profile?: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_'-]*/;

/** Parse a flake target such as `.#node.profile` or `github:o/r#"a.b".system`. */
export function parseFlakeTarget(target: string): Target {
  const hash = target.indexOf("#");
  if (hash < 0) return { repo: target };
  const repo = target.slice(0, hash) || ".";
  return { repo, ...parseFragment(target.slice(hash + 1), target) };
}

/** Parse a target of non-flake mode (`-f FILE`): the whole string is a fragment. */
export function parseFileTarget(file: string, target: string): Target {
  // deploy-rs parses a bare `.` (the default target) as "all nodes".
  const fragment = target === "." ? "" : target;
  return { repo: file, ...parseFragment(fragment, target) };
}

/** Split a fragment into its node and profile names. */
export function parseFragment(
  fragment: string,
  whole = fragment,
): { node?: string; profile?: string } {
  const components: string[] = [];
  let rest = fragment;
  while (rest !== "") {
    let name: string;
    if (rest.startsWith('"')) {
      const parsed = readQuoted(rest, whole);
      name = parsed.name;
      rest = parsed.rest;
    } else {
      const m = IDENTIFIER.exec(rest);
      if (!m) {
        throw new ConfigError(
          `invalid target '${whole}': '${rest}' is not a name; quote names that are not Nix identifiers, e.g. '.#"${
            rest.split(".")[0]
          }"'`,
        );
      }
      name = m[0];
      rest = rest.slice(name.length);
    }
    components.push(name);
    if (rest === "") break;
    if (!rest.startsWith(".") || rest === ".") {
      throw new ConfigError(`invalid target '${whole}': expected '.' or the end after '${name}'`);
    }
    rest = rest.slice(1);
  }
  if (components.length > 2) {
    const repo = whole.slice(0, whole.length - fragment.length);
    const asNode = `${repo}"${components.join(".")}"`;
    const asProfile = `${repo}"${components.slice(0, -1).join(".")}".${components.at(-1)}`;
    throw new ConfigError(
      `invalid target '${whole}': a target names at most a node and a profile, but this has ${components.length} parts. ` +
        `Quote names that contain dots: '${asNode}' for the node ${
          JSON.stringify(components.join("."))
        }, or '${asProfile}' for its profile ${JSON.stringify(components.at(-1))}`,
    );
  }
  const [node, profile] = components;
  return {
    ...(node === undefined ? {} : { node }),
    ...(profile === undefined ? {} : { profile }),
  };
}

function readQuoted(input: string, whole: string): { name: string; rest: string } {
  let name = "";
  for (let i = 1; i < input.length; i++) {
    const c = input[i];
    if (c === "\\" && i + 1 < input.length) {
      name += input[++i];
    } else if (c === '"') {
      return { name, rest: input.slice(i + 1) };
    } else {
      name += c;
    }
  }
  throw new ConfigError(`invalid target '${whole}': unterminated quote`);
}

/** A target written back in deploy-rs syntax, quoting names that need it. */
export function formatTarget(t: Target): string {
  const parts = [t.node, t.profile].filter((p): p is string => p !== undefined).map(quoteComponent);
  return parts.length ? `${t.repo}#${parts.join(".")}` : t.repo;
}

function quoteComponent(name: string): string {
  const m = IDENTIFIER.exec(name);
  if (m && m[0] === name) return name;
  return `"${name.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}
