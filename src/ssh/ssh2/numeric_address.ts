/**
 * A host name that is a numeric address, written as ssh writes it before
 * it looks the host up in known_hosts: ssh asks getaddrinfo(3) with
 * AI_NUMERICHOST and prints the answer back with getnameinfo(3), so
 * `127.1`, `0x7f.1` and `127.000.0.1` are all `127.0.0.1`, and
 * `2001:DB8:0:0::1` is `2001:db8::1`. A key pinned under the canonical
 * form must be found whichever spelling a node uses, and a name that only
 * looks like an address keeps its case, as ssh keeps it.
 *
 * The grammar is glibc's: inet_aton's exact form for IPv4 (one to four
 * parts, each decimal, octal with a leading 0, or hex with 0x; the last part
 * fills the remaining bytes) and inet_pton for IPv6, printed as inet_ntop
 * prints (lower-case, the longest run of two or more zero groups as `::`,
 * an IPv4 tail for `::a.b.c.d` and `::ffff:a.b.c.d`).
 */
import { asciiLower } from "./host_patterns.ts";

/** As ssh's is_addr_fast: names ssh does not lower-case even when they are not addresses. */
function looksNumeric(name: string): boolean {
  return name.includes("%") || name.includes(":") || /^[0-9.]*$/.test(name);
}

/** glibc's inet_aton, exact (nothing may follow): the four bytes, or undefined. */
export function parseIPv4(s: string): number[] | undefined {
  const parts = s.split(".");
  if (parts.length > 4) return undefined;
  const values: number[] = [];
  for (const p of parts) {
    let v: number;
    if (/^0[xX][0-9a-fA-F]+$/.test(p)) v = parseInt(p.slice(2), 16);
    else if (/^0[0-7]*$/.test(p)) v = p.length > 1 ? parseInt(p.slice(1), 8) : 0;
    else if (/^[1-9][0-9]*$/.test(p)) v = Number(p);
    else return undefined;
    if (!Number.isFinite(v) || v > 0xffffffff) return undefined;
    values.push(v);
  }
  const last = values.pop()!;
  if (values.some((v) => v > 0xff)) return undefined;
  const restBytes = 4 - values.length;
  if (last >= 2 ** (8 * restBytes)) return undefined;
  const tail: number[] = [];
  for (let i = restBytes - 1; i >= 0; i--) tail.push(Math.floor(last / 2 ** (8 * i)) % 256);
  return [...values, ...tail];
}

/** inet_pton's strict dotted quad (the tail of an IPv6 address). */
function parseDottedQuad(s: string): number[] | undefined {
  const parts = s.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^(0|[1-9][0-9]{0,2})$/.test(p))) return undefined;
  const bytes = parts.map(Number);
  return bytes.some((b) => b > 255) ? undefined : bytes;
}

/** glibc's inet_pton for IPv6: the eight groups, or undefined. */
export function parseIPv6(s: string): number[] | undefined {
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const groups = (half: string, last: boolean): number[] | undefined => {
    if (half === "") return [];
    const out: number[] = [];
    const words = half.split(":");
    for (let i = 0; i < words.length; i++) {
      const w = words[i];
      if (last && i === words.length - 1 && w.includes(".")) {
        const q = parseDottedQuad(w);
        if (!q) return undefined;
        out.push(q[0] * 256 + q[1], q[2] * 256 + q[3]);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(w)) out.push(parseInt(w, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0], halves.length === 1);
  const tail = halves.length === 2 ? groups(halves[1], true) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return undefined;
  return [...head, ...Array(missing).fill(0), ...tail];
}

/** glibc's inet_ntop for IPv6. */
export function formatIPv6(g: number[]): string {
  let best = { base: -1, len: 0 };
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > best.len) best = { base: i, len: j - i };
    i = j;
  }
  if (best.len < 2) best = { base: -1, len: 0 };
  const quad = (a: number, b: number) => `${a >> 8}.${a & 0xff}.${b >> 8}.${b & 0xff}`;
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (best.base >= 0 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) out += ":";
      continue;
    }
    if (i !== 0) out += ":";
    if (i === 6 && best.base === 0 && (best.len === 6 || (best.len === 5 && g[5] === 0xffff))) {
      return out + quad(g[6], g[7]);
    }
    out += g[i].toString(16);
  }
  return best.base >= 0 && best.base + best.len === 8 ? out + ":" : out;
}

/**
 * The name ssh connects to and looks up in known_hosts, for a HostName
 * (after `%h`): a numeric address in its canonical form (for the families
 * `family` allows: 4, 6, or 0 for both), another name lower-cased. A
 * scoped IPv6 address (`fe80::1%eth0`) is refused: its canonical form
 * depends on the interfaces of the machine.
 */
export function canonicalHostName(name: string, family: 0 | 4 | 6): string {
  const address = numericAddress(name, family);
  if (address === undefined) return looksNumeric(name) ? name : asciiLower(name);
  // ssh replaces the name only when it differs beyond case (strcasecmp): an
  // address already canonical but for capitals keeps them, and so matches no
  // known_hosts entry.
  return asciiLower(address) === asciiLower(name) ? name : address;
}

/** The address's canonical text, or undefined when `name` is no address of those families. */
function numericAddress(name: string, family: 0 | 4 | 6): string | undefined {
  if (family !== 6) {
    const v4 = parseIPv4(name);
    if (v4) return v4.join(".");
  }
  const scope = name.indexOf("%");
  if (scope >= 0 && parseIPv6(name.slice(0, scope))) {
    throw new Error(
      `HostName ${name}: a scoped IPv6 address is not supported by the built-in transport`,
    );
  }
  const v6 = parseIPv6(name);
  if (v6 && family !== 4) return formatIPv6(v6);
  // glibc answers an IPv4-only question about `::ffff:a.b.c.d` with a.b.c.d.
  if (v6 && v6.slice(0, 6).join() === "0,0,0,0,0,65535") {
    return [v6[6] >> 8, v6[6] & 0xff, v6[7] >> 8, v6[7] & 0xff].join(".");
  }
  return undefined;
}
