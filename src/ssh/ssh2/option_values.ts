/**
 * The values of the ssh_config options the built-in transport honours, read
 * as readconf reads them, and checked on every line as ssh checks them (in
 * blocks that do not apply too): a file ssh refuses is refused here.
 */
import { asciiLower } from "./host_patterns.ts";
import { jumpHops, sshPort } from "./jump_hop.ts";

export type StrictHostKeyChecking = "yes" | "ask" | "accept-new" | "no";

/** readconf's multistate_flag: yes, no, true, false. */
export function yesNo(option: string, v: string | undefined, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  const l = asciiLower(v);
  if (l === "yes" || l === "true") return true;
  if (l === "no" || l === "false") return false;
  throw new Error(`${option}: expected yes or no, found ${JSON.stringify(v)}`);
}

/** The largest value ssh's int options hold. */
const INT_MAX = 2147483647;

/** A whole number (ServerAliveCountMax), at most INT_MAX as ssh's atoi_err. */
export function wholeNumber(option: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^[0-9]+$/.test(v) || Number(v) > INT_MAX) {
    throw new Error(`${option}: expected a whole number, found ${JSON.stringify(v)}`);
  }
  return Number(v);
}

/**
 * misc.c's convtime: `90`, `1m30s`, `2h` (units s m h d w), at most INT_MAX
 * seconds; `none` (exactly so) for the default where ssh takes it
 * (ConnectTimeout).
 */
export function seconds(
  option: string,
  v: string | undefined,
  dflt: number | undefined,
  none = false,
) {
  if (v === undefined || (none && v === "none")) return dflt;
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  if (!/^([0-9]+[smhdwSMHDW]?)+$/.test(v)) {
    throw new Error(`${option}: invalid time value ${JSON.stringify(v)}`);
  }
  let total = 0;
  for (const m of v.matchAll(/([0-9]+)([a-zA-Z]?)/g)) {
    total += Number(m[1]) * (m[2] ? unit[asciiLower(m[2])] : 1);
  }
  if (total > INT_MAX) throw new Error(`${option}: invalid time value ${JSON.stringify(v)}`);
  return total;
}

export function strictHostKeyChecking(v: string | undefined): StrictHostKeyChecking {
  const l = asciiLower(v ?? "ask");
  if (l === "yes" || l === "true") return "yes";
  if (l === "no" || l === "false" || l === "off") return "no";
  if (l === "accept-new" || l === "ask") return l;
  throw new Error(`StrictHostKeyChecking: unknown value ${JSON.stringify(v)}`);
}

/** AddressFamily: 4, 6, or 0 for any. */
export function addressFamily(v: string | undefined): 0 | 4 | 6 {
  const l = asciiLower(v ?? "any");
  if (l === "inet") return 4;
  if (l === "inet6") return 6;
  if (l === "any") return 0;
  throw new Error(`AddressFamily: unknown value ${JSON.stringify(v)}`);
}

/** Options that take a list of files; every other honoured one takes one value. */
const LISTS = new Set(["userknownhostsfile", "globalknownhostsfile"]);

/** How each honoured option's value must look, wherever its line stands. */
const VALUE_CHECKS: Record<string, (v: string) => unknown> = {
  port: (v) => {
    if (sshPort(v) === undefined) throw new Error(`Bad port '${v}'`);
  },
  proxyjump: jumpHops,
  stricthostkeychecking: strictHostKeyChecking,
  addressfamily: addressFamily,
  identitiesonly: (v) => yesNo("IdentitiesOnly", v, false),
  hashknownhosts: (v) => yesNo("HashKnownHosts", v, false),
  batchmode: (v) => yesNo("BatchMode", v, false),
  connecttimeout: (v) => seconds("ConnectTimeout", v, undefined, true),
  serveraliveinterval: (v) => seconds("ServerAliveInterval", v, undefined),
  serveralivecountmax: (v) => wholeNumber("ServerAliveCountMax", v, 0),
};

/** The options whose lines are checked (the honoured ones). */
export const CHECKED_OPTIONS: ReadonlySet<string> = new Set([
  ...Object.keys(VALUE_CHECKS),
  ...LISTS,
  "hostname",
  "user",
  "identityfile",
  "identityagent",
  "hostkeyalias",
  "ignoreunknown",
]);

/** What ssh checks on every line of an honoured option: its number of values, and their form. */
export function checkOptionLine(keyword: string, args: string[], where: string): void {
  if (!CHECKED_OPTIONS.has(keyword) || (keyword === "proxyjump" && args.length === 0)) return;
  if (!LISTS.has(keyword) && keyword !== "proxyjump" && args.length > 1) {
    throw new Error(`${where}: keyword ${keyword} extra arguments at end of line`);
  }
  try {
    VALUE_CHECKS[keyword]?.(args[0]);
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
}
