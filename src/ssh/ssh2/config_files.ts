/**
 * The ssh_config files ssh reads for the built-in transport: the -F file or
 * the user's and the system's, and what an Include names, with ssh's checks
 * of who owns them and who may write them.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
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

/** The files one Include argument names: `~` expanded, relative to ~/.ssh or /etc/ssh, globbed. */
export function includedFiles(pattern: string, userConfig: boolean): ConfigText[] {
  const p = expandTilde(pattern);
  const base = userConfig ? join(homedir(), ".ssh") : "/etc/ssh";
  return expandGlob(isAbsolute(p) ? p : join(base, p)).map((f) => configText(f, userConfig, true));
}

/**
 * A glob of the last path component only (the common `config.d/*.conf`),
 * sorted; as glob(3), a wildcard never matches a leading dot. Character
 * classes are refused rather than read literally (a file not read could be
 * the one that pins a host's key).
 */
function expandGlob(path: string): string[] {
  if (path.includes("[")) {
    throw new Error(`Include ${path}: [...] in Include is not supported by the built-in transport`);
  }
  if (!/[*?]/.test(path)) return [path];
  const dir = dirname(path);
  if (/[*?]/.test(dir)) throw new Error(`Include ${path}: wildcards in directories are not read`);
  const re = new RegExp(
    `^${
      path.slice(dir.length + 1).replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")
        .replace(/\?/g, ".")
    }$`,
  );
  if (!existsSync(dir)) return [];
  const dotted = path.slice(dir.length + 1).startsWith(".");
  return readdirSync(dir).filter((f) => re.test(f) && (dotted || !f.startsWith("."))).sort()
    .map((f) => join(dir, f));
}

/** The files ssh reads: the -F file (which must exist), or the user's and the system's. */
export function configFiles(configFile: string | undefined): ConfigText[] {
  if (configFile === undefined) {
    return [
      configText(join(homedir(), ".ssh", "config"), true, true),
      configText("/etc/ssh/ssh_config", false, false),
    ];
  }
  if (configFile.toLowerCase() === "none") return [];
  const file = expandTilde(configFile);
  if (!existsSync(file)) {
    throw new Error(`can't open user config file ${file}: no such file (-F)`);
  }
  return [configText(file, true, false)];
}
