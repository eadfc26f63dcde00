/**
 * The ssh_config files ssh reads for the built-in transport: the -F file or
 * the user's and the system's, and what an Include names, with ssh's checks
 * of who owns them and who may write them.
 */
import { asciiLower } from "./host_patterns.ts";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import process from "node:process";
import type { ConfigText } from "./ssh_config_eval.ts";
import { expandTilde, homedir } from "./ssh_tokens.ts";

/**
 * A config file's text ("" when it does not exist). ssh refuses, as a whole,
 * a ~/.ssh/config or an included file that another user owns or that others
 * may write: such a file could say which key a host may have.
 */
export function configText(file: string, userConfig: boolean, checkOwner: boolean): ConfigText {
  if (!existsSync(file)) return { text: "", name: file, userConfig };
  if (checkOwner) {
    const st = statSync(file);
    if ((st.uid !== 0 && st.uid !== process.getuid?.()) || (st.mode & 0o022) !== 0) {
      throw new Error(`Bad owner or permissions on ${file}`);
    }
  }
  return { text: readFileSync(file, "utf8"), name: file, userConfig };
}

/**
 * The files one Include argument names, as readconf hands it to glob(3)
 * with GLOB_TILDE: relative to ~/.ssh (a user's file) or /etc/ssh; `~` is
 * glob's, so $HOME (ssh's other `~` is the password database's); a system
 * file may not use `~` at all.
 */
export function includedFiles(pattern: string, userConfig: boolean): ConfigText[] {
  if (pattern.startsWith("~") && !userConfig) {
    throw new Error(`Include ${pattern}: a system file's Include may not start with ~`);
  }
  const anchored = isAbsolute(pattern) || pattern.startsWith("~")
    ? pattern
    : `${userConfig ? "~/.ssh" : "/etc/ssh"}/${pattern}`;
  return expandGlob(globTilde(anchored)).map((f) => configText(f, userConfig, true));
}

/** glob(3)'s GLOB_TILDE: `~` is $HOME (else the password database's home), `~user` that user's. */
function globTilde(path: string): string {
  const m = /^~([^/]*)(.*)$/s.exec(path);
  if (!m) return path;
  const home = m[1] === "" ? process.env.HOME || homedir() : expandTilde(`~${m[1]}`);
  return home + m[2];
}

/**
 * A glob of the last path component only (the common `config.d/*.conf`),
 * sorted, a backslash taking the next character literally; as glob(3), a
 * wildcard never matches a leading dot. Character classes are refused rather
 * than read literally (a file not read could be the one that pins a host's
 * key), and so are wildcards in directories.
 */
function expandGlob(path: string): string[] {
  const slash = path.lastIndexOf("/");
  const dir = unescapeGlob(path.slice(0, Math.max(slash, 1)), path);
  const last = path.slice(slash + 1);
  let re = "";
  let literal = "";
  let wild = false;
  for (let i = 0; i < last.length; i++) {
    const c = last[i];
    if (c === "\\" && i + 1 < last.length) {
      literal += last[++i];
      re += last[i].replace(/[.+^${}()|[\]\\*?]/g, "\\$&");
    } else if (c === "*" || c === "?") {
      wild = true;
      re += c === "*" ? ".*" : ".";
    } else if (c === "[") {
      throw new Error(
        `Include ${path}: [...] in Include is not supported by the built-in transport`,
      );
    } else {
      literal += c;
      re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    }
  }
  if (!wild) return [join(dir, literal)];
  if (!existsSync(dir)) return [];
  const dotted = last.startsWith(".") || last.startsWith("\\.");
  const matches = new RegExp(`^${re}$`, "s");
  return readdirSync(dir).filter((f) => matches.test(f) && (dotted || !f.startsWith("."))).sort()
    .map((f) => join(dir, f));
}

/** A directory part of an Include: escapes taken off; wildcards and classes refused. */
function unescapeGlob(dir: string, path: string): string {
  let out = "";
  for (let i = 0; i < dir.length; i++) {
    if (dir[i] === "\\" && i + 1 < dir.length) out += dir[++i];
    else if ("*?[".includes(dir[i])) {
      throw new Error(`Include ${path}: wildcards in directories are not read`);
    } else out += dir[i];
  }
  return out;
}

/** The files ssh reads: the -F file (which must exist), or the user's and the system's. */
export function configFiles(configFile: string | undefined): ConfigText[] {
  if (configFile === undefined) {
    return [
      configText(join(homedir(), ".ssh", "config"), true, true),
      configText("/etc/ssh/ssh_config", false, false),
    ];
  }
  if (asciiLower(configFile) === "none") return [];
  // ssh opens the -F file as given: no `~` is expanded.
  if (!existsSync(configFile)) {
    throw new Error(`can't open user config file ${configFile}: no such file (-F)`);
  }
  return [configText(configFile, true, false)];
}
