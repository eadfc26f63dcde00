/**
 * `~`, `~user`, `%` tokens and `${VAR}` in ssh_config file names, as
 * OpenSSH expands them (homes from the password database, not $HOME).
 */
import { readFileSync } from "node:fs";
import { hostname as localHostname, userInfo } from "node:os";
import { join } from "node:path";
import process from "node:process";

/** The home OpenSSH uses for `~` and `%d`: the password database's, not $HOME. */
export function homedir(): string {
  return userInfo().homedir;
}

/** `~` and `~user` as OpenSSH's tilde_expand: homes from the password database. */
export function expandTilde(path: string): string {
  const m = /^~([^/]*)(\/.*)?$/s.exec(path);
  if (!m) return path;
  const home = m[1] === "" ? homedir() : homeOf(m[1]);
  return m[2] === undefined || m[2] === "/" ? home : join(home, m[2].slice(1));
}

function homeOf(user: string): string {
  const entry = readFileSync("/etc/passwd", "utf8").split("\n").map((l) => l.split(":"))
    .find((f) => f[0] === user);
  if (!entry?.[5]) throw new Error(`~${user}: no such user in /etc/passwd`);
  return entry[5];
}

/**
 * A file name as ssh expands IdentityFile, UserKnownHostsFile and
 * IdentityAgent: `~` first (so a `~` that a variable brings stays a
 * character), then `%` tokens and `${VAR}` in one pass, left to right (what
 * a variable brings is not expanded again). Tokens deploy-ts cannot know,
 * an unset variable, a `%` at the end are refused, as ssh refuses them.
 */
export function expandTokens(
  value: string,
  t: { hostname: string; alias: string; port: number; user: string },
  option: string,
): string {
  const local = userInfo();
  const token = (c: string): string => {
    switch (c) {
      case "%":
        return "%";
      case "d":
        return homedir();
      case "h":
        return t.hostname;
      case "n":
        return t.alias;
      case "p":
        return String(t.port);
      case "r":
        return t.user;
      case "u":
        return local.username;
      case "i":
        return String(local.uid);
      case "L":
        return localHostname().split(".")[0];
      case "l":
        return localHostname();
      default:
        throw new Error(`${option}: the token %${c} is not supported by the built-in transport`);
    }
  };
  const s = expandTilde(value);
  let out = "";
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "$" && s[i + 1] === "{") {
      const end = s.indexOf("}", i + 2);
      if (end < 0) throw new Error(`${option}: \${ without its closing }`);
      const name = s.slice(i + 2, end);
      if (name === "") throw new Error(`${option}: an empty \${}`);
      const env = process.env[name];
      if (env === undefined) {
        throw new Error(`${option}: the environment variable ${name} is not set`);
      }
      out += env;
      i = end;
    } else if (s[i] === "%") {
      if (i + 1 >= s.length) throw new Error(`${option}: a % at the end`);
      out += token(s[++i]);
    } else out += s[i];
  }
  return out;
}
