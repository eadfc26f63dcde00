/**
 * POSIX paths as strings, for code that runs on hosts under Deno, where
 * `node:path` would load Deno's Node compatibility (a helper start would pay
 * for it). The same results as `node:path`'s posix functions for the paths
 * deploy-ts builds (absolute ones, names without a trailing slash).
 */

/** Resolve `.`, `..` and repeated slashes, as path.posix.normalize does. */
export function normalize(path: string): string {
  if (path === "") return ".";
  const absolute = path.startsWith("/");
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out.at(-1) !== "..") out.pop();
      else if (!absolute) out.push("..");
      continue;
    }
    out.push(part);
  }
  const joined = out.join("/");
  const trailing = path.endsWith("/") && joined !== "" ? "/" : "";
  if (absolute) return `/${joined}${trailing}`;
  return joined === "" ? "." : `${joined}${trailing}`;
}

/** The parts joined by `/`, normalized (path.posix.join). */
export function join(...parts: string[]): string {
  const nonEmpty = parts.filter((p) => p !== "");
  return nonEmpty.length === 0 ? "." : normalize(nonEmpty.join("/"));
}

/** Everything before the last name (path.posix.dirname). */
export function dirname(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  const i = trimmed.lastIndexOf("/");
  if (i < 0) return ".";
  if (i === 0) return "/";
  return trimmed.slice(0, i).replace(/\/+$/, "") || "/";
}

/** The last name (path.posix.basename, without a suffix to strip). */
export function basename(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}
