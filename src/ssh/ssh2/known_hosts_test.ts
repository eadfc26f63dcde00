import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../process/run.ts";
import {
  checkHostKey,
  fingerprint,
  hashedName,
  hostListMatches,
  knownHostsName,
  knownKeys,
  preferredHostKeyAlgorithms,
} from "./known_hosts.ts";

const dir = mkdtempSync(join(tmpdir(), "deploy-ts-known-hosts-test-"));

/** A fresh public key: [type, base64 blob]. */
async function newKey(type: string): Promise<[string, string]> {
  const f = join(mkdtempSync(join(dir, "k-")), "key");
  const r = await run(["ssh-keygen", "-q", "-t", type, "-N", "", "-f", f]);
  assert.equal(r.code, 0, r.stderr);
  const [t, b64] = readFileSync(`${f}.pub`, "utf8").split(" ");
  return [t, b64];
}

const host = (over: Partial<Parameters<typeof checkHostKey>[1]> = {}) => ({
  hostname: "web.example.com",
  port: 22,
  userKnownHostsFiles: [join(dir, "known_hosts")],
  globalKnownHostsFiles: [],
  strictHostKeyChecking: "yes" as const,
  ...over,
});

Deno.test("known_hosts: the entry name is HostKeyAlias, host, or [host]:port", () => {
  assert.equal(knownHostsName({ hostname: "h", port: 22 }), "h");
  assert.equal(knownHostsName({ hostname: "h", port: 2222 }), "[h]:2222");
  assert.equal(knownHostsName({ hostname: "h", port: 2222, hostKeyAlias: "a" }), "a");
});

Deno.test("known_hosts: wildcards and negation", () => {
  assert.ok(hostListMatches("*.example.com,!db.example.com", "web.example.com"));
  assert.ok(!hostListMatches("*.example.com,!db.example.com", "db.example.com"));
  // The pattern is lower-cased, the name (ssh lower-cases HostName) is not.
  assert.ok(hostListMatches("H?", "h1"));
  assert.ok(!hostListMatches("h?", "H1"));
  assert.ok(!hostListMatches("h?", "h12"));
});

Deno.test("known_hosts: a hashed name is the whole field, as ssh reads it", () => {
  const hashed = hashedName("web");
  assert.ok(hostListMatches(hashed, "web"));
  // In a comma list, neither the hash nor the names beside it count (ssh: match_maybe_hashed).
  assert.ok(!hostListMatches(`${hashed},db`, "db"));
  assert.ok(!hostListMatches(`${hashed},db`, "web"));
  assert.ok(!hostListMatches(`db,${hashed}`, "web"));
});

Deno.test("known_hosts: a line whose key is not of its stated type vouches for nothing", async () => {
  const [type, key] = await newKey("ed25519");
  const file = join(dir, "mislabelled");
  writeFileSync(
    file,
    `web ssh-rsa ${key}
web ${type} ${key}
`,
  );
  assert.deepEqual(knownKeys([file], "web").map((k) => k.line), [2]);
});

Deno.test("known_hosts: hashed entries (ssh-keygen -H) are found; ok, unknown, changed, revoked", async () => {
  const [type, key] = await newKey("ed25519");
  const [, other] = await newKey("ed25519");
  const file = join(dir, "hashed");
  writeFileSync(file, `web.example.com,10.0.0.1 ${type} ${key}\n[db]:2222 ${type} ${other}\n`);
  assert.equal((await run(["ssh-keygen", "-H", "-f", file])).code, 0);
  assert.match(readFileSync(file, "utf8"), /^\|1\|/);
  const found = knownKeys([file], "web.example.com");
  assert.deepEqual(found.map((k) => k.key), [key]);
  assert.deepEqual(knownKeys([file], "[db]:2222").map((k) => k.key), [other]);
  assert.deepEqual(knownKeys([file], "db"), []);

  const blob = Buffer.from(key, "base64");
  assert.deepEqual(checkHostKey(blob, host(), found, "root@web"), { ok: true });

  const changed = checkHostKey(Buffer.from(other, "base64"), host(), found, "root@web");
  assert.ok(!changed.ok && /has changed/.test(changed.message));
  assert.ok(!changed.ok && changed.message.includes(fingerprint(Buffer.from(other, "base64"))));

  const unknown = checkHostKey(blob, host(), [], "root@web");
  assert.ok(!unknown.ok && /host key of web\.example\.com is not known/.test(unknown.message));
  assert.ok(!unknown.ok && unknown.message.includes(fingerprint(blob)));

  const revokedFile = join(dir, "revoked");
  writeFileSync(revokedFile, `@revoked * ${type} ${key}\nweb.example.com ${type} ${key}\n`);
  const revoked = checkHostKey(blob, host(), knownKeys([revokedFile], "web.example.com"), "r@w");
  assert.ok(!revoked.ok && /@revoked/.test(revoked.message));
});

Deno.test("known_hosts: accept-new records an unknown key, never a changed one", async () => {
  const [type, key] = await newKey("ed25519");
  const [, other] = await newKey("ed25519");
  const file = join(dir, "accept-new");
  writeFileSync(file, "");
  const h = host({ userKnownHostsFiles: [file], strictHostKeyChecking: "accept-new" });
  const added = checkHostKey(Buffer.from(key, "base64"), h, [], "root@web");
  assert.ok(added.ok && added.added);
  const now = knownKeys([file], "web.example.com");
  assert.deepEqual(now.map((k) => k.key), [key]);
  const changed = checkHostKey(Buffer.from(other, "base64"), h, now, "root@web");
  assert.ok(!changed.ok);
  assert.equal(readFileSync(file, "utf8").trim().split("\n").length, 1);
  assert.equal(type, "ssh-ed25519");
});

Deno.test("known_hosts: the key types recorded for a host are asked for first", () => {
  const k = (type: string) => ({ type, key: "x", file: "f", line: 1 });
  assert.deepEqual(preferredHostKeyAlgorithms([k("ssh-rsa")]), [
    "rsa-sha2-512",
    "rsa-sha2-256",
    "ssh-rsa",
  ]);
  assert.deepEqual(preferredHostKeyAlgorithms([k("ecdsa-sha2-nistp256"), k("ssh-ed25519")]), [
    "ecdsa-sha2-nistp256",
    "ssh-ed25519",
  ]);
});

Deno.test("known_hosts: a key of a type never recorded, beside other recorded keys, is changed, not new", async () => {
  const [rsaType, rsa] = await newKey("rsa");
  const [, ed] = await newKey("ed25519");
  const file = join(dir, "other-type");
  writeFileSync(file, `web.example.com ${rsaType} ${rsa}\n`);
  for (const strict of ["accept-new", "no"] as const) {
    const h = host({ userKnownHostsFiles: [file], strictHostKeyChecking: strict });
    const v = checkHostKey(
      Buffer.from(ed, "base64"),
      h,
      knownKeys([file], "web.example.com"),
      "root@web",
    );
    assert.ok(!v.ok && /has changed/.test(v.message) && /holds ssh-rsa/.test(v.message), strict);
  }
  assert.equal(readFileSync(file, "utf8"), `web.example.com ${rsaType} ${rsa}\n`);
});

Deno.test("known_hosts: an entry recorded after a last line without newline starts a line of its own", async () => {
  const [, other] = await newKey("ed25519");
  const [, key] = await newKey("ed25519");
  const file = join(dir, "no-newline");
  writeFileSync(file, `other.example.com ssh-ed25519 ${other}`);
  const h = host({ userKnownHostsFiles: [file], strictHostKeyChecking: "accept-new" });
  assert.ok(checkHostKey(Buffer.from(key, "base64"), h, [], "root@web").ok);
  assert.deepEqual(knownKeys([file], "web.example.com").map((k) => k.key), [key]);
  assert.deepEqual(knownKeys([file], "other.example.com").map((k) => k.key), [other]);
});

Deno.test("known_hosts: under HashKnownHosts a recorded key names its host only as a hash ssh-keygen -F finds", async () => {
  const [, key] = await newKey("ed25519");
  const [, key2] = await newKey("ed25519");
  const file = join(dir, "hash-known-hosts");
  writeFileSync(file, "");
  for (
    const [over, blob] of [[{}, key], [{ hostname: "db.example.com", port: 2222 }, key2]] as const
  ) {
    const h = host({
      ...over,
      userKnownHostsFiles: [file],
      strictHostKeyChecking: "accept-new",
      hashKnownHosts: true,
    });
    assert.ok(checkHostKey(Buffer.from(blob, "base64"), h, [], "root@web").ok);
  }
  const text = readFileSync(file, "utf8");
  assert.ok(!text.includes("example.com"), text);
  const lines = text.trim().split("\n");
  assert.equal(lines.length, 2);
  for (const line of lines) {
    assert.match(line, /^\|1\|[A-Za-z0-9+/]{27}=\|[A-Za-z0-9+/]{27}= ssh-ed25519 /);
  }
  // OpenSSH's own lookup finds each entry under its name (and only there).
  for (const [name, blob] of [["web.example.com", key], ["[db.example.com]:2222", key2]]) {
    const r = await run(["ssh-keygen", "-F", name, "-f", file]);
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    assert.ok(r.stdout.includes(blob), r.stdout);
    assert.deepEqual(knownKeys([file], name).map((k) => k.key), [blob]);
  }
  assert.notEqual((await run(["ssh-keygen", "-F", "db.example.com", "-f", file])).code, 0);
  // A fresh salt each time: the same name never hashes alike twice.
  assert.notEqual(hashedName("web.example.com"), hashedName("web.example.com"));
});

// Issue 18 attack (third round): checked by hand against OpenSSH 9.2p1
// Debian-2+deb12u10 and an sshd on 127.0.0.1:2299 (`ssh -o
// StrictHostKeyChecking=accept-new -p 2299 root@::FFFF:127.0.0.1` with
// `[::ffff:127.0.0.1]:2299 <another key>` recorded: REMOTE HOST
// IDENTIFICATION HAS CHANGED, refused). ssh -G keeps the address's
// capitals, but ssh_login lower-cases the host before known_hosts is read,
// and match_hostname lower-cases it again.
Deno.test("attack 3: an IPv6 address in capitals finds its recorded (changed) key as ssh finds it, under the lower-cased name", async () => {
  const [type, key] = await newKey("ed25519");
  const [, presented] = await newKey("ed25519");
  const file = join(dir, "attack3_caps");
  writeFileSync(file, `[::ffff:127.0.0.1]:2299 ${type} ${key}\n`);
  const h = host({
    hostname: "::FFFF:127.0.0.1",
    port: 2299,
    userKnownHostsFiles: [file],
    strictHostKeyChecking: "accept-new",
  });
  const known = knownKeys([file], knownHostsName(h));
  assert.equal(known.length, 1, "ssh sees the entry for [::ffff:127.0.0.1]:2299");
  const verdict = checkHostKey(Buffer.from(presented, "base64"), h, known, "root@::FFFF:127.0.0.1");
  assert.equal(verdict.ok, false, "ssh refuses the changed key; accept-new must not record it");
});
