/**
 * A port and a ProxyJump hop as OpenSSH reads them (misc.c: a2port,
 * parse_user_host_port, parse_ssh_uri), so a value ssh refuses is refused
 * here too, and one it reads is read to the same user, host and port.
 */
import { asciiLower } from "./host_patterns.ts";
import { existsSync, readFileSync } from "node:fs";

/** A port number or a service name from /etc/services (tcp); undefined when ssh would refuse it. */
export function sshPort(value: string): number | undefined {
  // strtonum(3): optional blanks and sign, decimal digits, 0..65535.
  if (/^[ \t\n\v\f\r]*[+-]?[0-9]+$/.test(value)) {
    const n = Number(value.trim());
    return n >= 1 && n <= 65535 ? n : undefined;
  }
  return servicePort(value);
}

function servicePort(name: string): number | undefined {
  if (!existsSync("/etc/services")) return undefined;
  for (const line of readFileSync("/etc/services", "utf8").split("\n")) {
    const [entry] = line.split("#");
    const [service, portProto, ...aliases] = entry.trim().split(/\s+/);
    const m = /^([0-9]+)\/tcp$/.exec(portProto ?? "");
    if (m && (service === name || aliases.includes(name))) {
      const n = Number(m[1]);
      return n >= 1 ? n : undefined;
    }
  }
  return undefined;
}

/** iscntrl(3) in the C locale. */
function hasControl(s: string): boolean {
  return [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}

/** readconf's ssh_valid_hostname: what a host given on ssh's command line may hold. */
export function validCommandLineHost(s: string): boolean {
  return !s.startsWith("-") && !/['`"$\\;&<>|(){},\s]/.test(s) && !hasControl(s);
}

/** readconf's ssh_valid_ruser: what a user given on ssh's command line may hold. */
export function validCommandLineUser(s: string): boolean {
  return !s.startsWith("-") && !/['`";&<>|(){}]/.test(s) && !hasControl(s) && !/\s-/.test(s) &&
    !s.endsWith("\\");
}

/** One hop of ProxyJump or -J. */
export interface JumpHop {
  user?: string;
  host: string;
  port?: number;
}

/**
 * misc.c's hpdelim2: the host (brackets kept) and what follows it, with the
 * delimiter that ended it; undefined when a bracket is not closed or is
 * followed by anything but `:` or `/`.
 */
function splitHost(s: string): { host: string; delim: string; rest: string } | undefined {
  let end: number;
  if (s.startsWith("[")) {
    const close = s.indexOf("]");
    if (close < 0) return undefined;
    end = close + 1;
    if (end < s.length && s[end] !== ":" && s[end] !== "/") return undefined;
  } else {
    const m = /[:/]/.exec(s);
    end = m ? m.index : s.length;
  }
  return { host: s.slice(0, end), delim: s[end] ?? "", rest: s.slice(end + 1) };
}

/** misc.c's cleanhostname: `[host]` without its brackets. */
function cleanHost(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/** misc.c's valid_domain, which a host in an ssh:// URI must pass (trailing dot dropped). */
function validDomain(host: string): string | undefined {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(host) || host.includes("..")) return undefined;
  return host.endsWith(".") ? host.slice(0, -1) : host;
}

/** misc.c's urldecode (`+` is a space, `%XX` a byte); undefined for a bad escape. */
function urlDecode(s: string): string | undefined {
  if (/%(?![0-9A-Fa-f]{2})/.test(s)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "+") bytes.push(0x20);
    else if (s[i] === "%") {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...new TextEncoder().encode(s[i]));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

function parseUri(uri: string): JumpHop | undefined {
  let rest = uri.slice("ssh://".length);
  let user: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    const userPart = rest.slice(0, at).split(";")[0]; // connection parameters are ignored
    if (userPart === "") return undefined;
    user = urlDecode(userPart);
    if (user === undefined) return undefined;
    rest = rest.slice(at + 1);
  }
  const split = splitHost(rest);
  if (!split || split.host === "") return undefined;
  const host = validDomain(cleanHost(split.host));
  if (host === undefined) return undefined;
  let port: number | undefined;
  let path = split.delim === "/" ? split.rest : "";
  if (split.delim === ":" && split.rest !== "") {
    const slash = split.rest.indexOf("/");
    const portText = slash < 0 ? split.rest : split.rest.slice(0, slash);
    port = sshPort(portText);
    if (port === undefined) return undefined;
    path = slash < 0 ? "" : split.rest.slice(slash + 1);
  }
  if (path !== "") return undefined; // ssh: a path is not allowed in a jump
  return { user, host, port };
}

function parseUserHostPort(s: string): JumpHop | undefined {
  let rest = s;
  let user: string | undefined;
  const at = s.lastIndexOf("@");
  if (at >= 0) {
    user = s.slice(0, at);
    if (user === "") return undefined;
    rest = s.slice(at + 1);
  }
  const split = splitHost(rest);
  if (!split || split.delim === "/" || split.host === "") return undefined;
  let port: number | undefined;
  if (split.rest !== "") {
    port = sshPort(split.rest);
    if (port === undefined) return undefined;
  }
  return { user, host: cleanHost(split.host), port };
}

/** `[user@]host[:port]` or `ssh://[user@]host[:port]` of one hop. */
export function parseJump(spec: string): JumpHop {
  const hop = spec.startsWith("ssh://") ? parseUri(spec) : parseUserHostPort(spec);
  if (!hop) throw new Error(`Invalid ProxyJump ${JSON.stringify(spec)}`);
  return hop;
}

/**
 * A ProxyJump or -J value as ssh's parse_jump reads it: a `#` ends it,
 * `none` means no jump; every hop must parse. The hops, first hop first.
 */
export function jumpHops(value: string): string[] {
  const cut = value.split("#")[0].replace(/[ \t\r\n]+$/, "");
  if (asciiLower(value) === "none") return [];
  const hops = cut.split(",");
  for (const hop of hops) {
    try {
      parseJump(hop);
    } catch {
      throw new Error(`Invalid ProxyJump ${JSON.stringify(value)}`);
    }
  }
  return hops;
}
