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

/** ssh_config's `%` tokens (those deploy-ts can know; others are refused). */
export function expandTokens(
  value: string,
  t: { hostname: string; alias: string; port: number; user: string },
  option: string,
): string {
  const local = userInfo();
  const expanded = value.replace(/%(.)/g, (all, c: string) => {
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
        throw new Error(`${option}: the token ${all} is not supported by the built-in transport`);
    }
  });
  return expandTilde(expanded.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, v: string) => {
    const env = process.env[v];
    if (env === undefined) throw new Error(`${option}: the environment variable ${v} is not set`);
    return env;
  }));
}
