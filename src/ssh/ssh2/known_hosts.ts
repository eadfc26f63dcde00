/**
 * Host keys for the built-in transport, checked as OpenSSH checks them:
 * against known_hosts (plain and hashed entries, wildcards, negation,
 * `[host]:port`, `@revoked`), under the name HostKeyAlias gives. Nothing is
 * accepted silently: an unknown or changed key fails the node, naming the
 * host and the key's fingerprint.
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import { Buffer } from "node:buffer";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { asciiLower, patternListMatches, wildcardMatches } from "./host_patterns.ts";
import { changedKeyAdvice, keyscanCommand, NEVER_ACCEPTS } from "../host_key_advice.ts";

export interface KnownKey {
  /** The key type of the entry (ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256, …). */
  type: string;
  /** The key blob, base64. */
  key: string;
  marker?: "revoked" | "cert-authority";
  file: string;
  line: number;
}

/**
 * The name a host's keys are recorded under: HostKeyAlias, or `host` /
 * `[host]:port`, lower-cased as ssh_login lower-cases the host before it
 * reads known_hosts (an address ssh -G keeps in capitals, `2001:DB8::1`,
 * is looked up as `2001:db8::1`).
 */
export function knownHostsName(host: { hostname: string; port: number; hostKeyAlias?: string }) {
  if (host.hostKeyAlias !== undefined) return host.hostKeyAlias;
  const name = asciiLower(host.hostname);
  return host.port === 22 ? name : `[${name}]:${host.port}`;
}

/**
 * The name as a hashed entry writes it, as OpenSSH's HashKnownHosts does:
 * `|1|` base64(salt) `|` base64(HMAC-SHA1 keyed by the salt, of the name),
 * with a fresh random 20-byte salt (SHA-1's block of output, as ssh uses).
 */
export function hashedName(name: string, salt: Buffer = randomBytes(20)): string {
  const hash = createHmac("sha1", salt).update(name).digest("base64");
  return `|1|${salt.toString("base64")}|${hash}`;
}

/**
 * Whether an entry's host field names `name`, as OpenSSH's
 * match_maybe_hashed: a field that starts with `|` is one hashed name, the
 * whole field (a hashed name in a comma list names nothing); any other is a
 * comma-separated pattern list, patterns lower-cased, where a negated match
 * excludes.
 */
export function hostListMatches(list: string, name: string): boolean {
  if (list.startsWith("|")) {
    const [, kind, salt, hash, ...rest] = list.split("|");
    if (kind !== "1" || !salt || !hash || rest.length) return false;
    return createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64") === hash;
  }
  return patternListMatches(
    list.split(","),
    name,
    (p, n) => wildcardMatches(p, n, { lowerPattern: true }),
  );
}

/** The entries of some known_hosts files for one name (pure but for reading them). */
export function knownKeys(files: readonly string[], name: string): KnownKey[] {
  const found: KnownKey[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    readFileSync(file, "utf8").split("\n").forEach((raw, i) => {
      const line = raw.trim();
      if (line === "" || line.startsWith("#")) return;
      const words = line.split(/\s+/);
      let marker: KnownKey["marker"];
      if (words[0] === "@revoked" || words[0] === "@cert-authority") {
        marker = words.shift()!.slice(1) as KnownKey["marker"];
      }
      const [hosts, type, key] = words;
      if (!hosts || !type || !key) return;
      // ssh skips a line whose key is not of its stated type (sshkey_read):
      // such a line vouches for no key.
      if (blobType(Buffer.from(key, "base64")) !== type) return;
      if (hostListMatches(hosts, name)) found.push({ type, key, marker, file, line: i + 1 });
    });
  }
  return found;
}

/** `SHA256:…`, as ssh and ssh-keygen print a key's fingerprint. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** The key type inside a public key blob (its first SSH string). */
export function blobType(blob: Buffer): string {
  if (blob.length < 4) return "";
  const n = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + n).toString("latin1");
}

/**
 * Host key algorithms to ask for first: those known_hosts holds for the host
 * (as OpenSSH orders them), so a host with only an RSA key recorded is not
 * asked for an ed25519 key it might also have.
 */
export function preferredHostKeyAlgorithms(known: readonly KnownKey[]): string[] {
  const out: string[] = [];
  for (const k of known) {
    if (k.marker) continue;
    const algos = k.type === "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [k.type];
    for (const a of algos) if (!out.includes(a)) out.push(a);
  }
  return out;
}

export type HostKeyVerdict =
  | { ok: true; added?: string }
  | { ok: false; message: string };

/**
 * What to do with the key a host presented (pure but for recording a new key
 * where the user's StrictHostKeyChecking says to).
 */
export function checkHostKey(
  blob: Buffer,
  host: {
    hostname: string;
    port: number;
    hostKeyAlias?: string;
    userKnownHostsFiles: string[];
    globalKnownHostsFiles: string[];
    strictHostKeyChecking: "yes" | "ask" | "accept-new" | "no";
    /** HashKnownHosts: a recorded key names its host only as a hash. */
    hashKnownHosts?: boolean;
  },
  known: readonly KnownKey[],
  destination: string,
): HostKeyVerdict {
  const name = knownHostsName(host);
  const type = blobType(blob);
  const b64 = blob.toString("base64");
  const fp = fingerprint(blob);
  const revoked = known.find((k) => k.marker === "revoked" && k.key === b64);
  if (revoked) {
    return {
      ok: false,
      message: `the host key of ${name} (${type} ${fp}) is marked @revoked in ` +
        `${revoked.file}:${revoked.line}`,
    };
  }
  const plain = known.filter((k) => k.marker === undefined);
  if (plain.some((k) => k.key === b64)) return { ok: true };
  // A key of a type never recorded, while other keys are, is a changed key
  // as OpenSSH sees it (REMOTE HOST IDENTIFICATION HAS CHANGED), not a new
  // one: accept-new must not let a host swap its identity by its key type.
  const recorded = plain.find((k) => k.type === type) ?? plain[0];
  if (recorded) {
    const was = recorded.type === type ? "" : ` (known_hosts holds ${recorded.type} for it)`;
    return {
      ok: false,
      message: `the host key of ${name} has changed since it was recorded in ` +
        `${recorded.file}:${recorded.line}: it now presents ${type} ${fp}${was}; ` +
        `${changedKeyAdvice(name)}; ${NEVER_ACCEPTS}`,
    };
  }
  if (host.strictHostKeyChecking === "accept-new" || host.strictHostKeyChecking === "no") {
    const file = host.userKnownHostsFiles[0];
    if (file) {
      // A last line without its newline would swallow the entry.
      const text = existsSync(file) ? readFileSync(file, "utf8") : "";
      const lead = text === "" || text.endsWith("\n") ? "" : "\n";
      // Under HashKnownHosts the file must not list the hosts it knows (a
      // stolen known_hosts is a map of where else its user logs in).
      const entry = host.hashKnownHosts ? hashedName(name) : name;
      appendFileSync(file, `${lead}${entry} ${type} ${b64}\n`, { mode: 0o600 });
      return { ok: true, added: `${name} (${type} ${fp}) added to ${file}` };
    }
  }
  const files = [...host.userKnownHostsFiles, ...host.globalKnownHostsFiles].join(", ") ||
    "no known_hosts file";
  return {
    ok: false,
    message: `the host key of ${name} is not known (it presents ${type} ${fp}; looked in ` +
      `${files}): check the fingerprint, then add the key to known_hosts ` +
      `(\`${keyscanCommand(host.hostname, host.port)}\` ` +
      `and compare it; the entry's name is ${name}); ${NEVER_ACCEPTS} (${destination})`,
  };
}
