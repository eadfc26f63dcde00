import assert from "node:assert/strict";
import { Duplex } from "node:stream";
import type { ResolvedHost } from "./ssh2_config.ts";
import { endsOnlyThisAttempt, hostKeyAlgorithms, login } from "./ssh2_login.ts";

Deno.test("ssh2 login: the algorithms of the keys known_hosts holds are offered first, each once", () => {
  assert.deepEqual(hostKeyAlgorithms([]), [
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "rsa-sha2-512",
    "rsa-sha2-256",
    "ssh-rsa",
  ]);
  assert.deepEqual(hostKeyAlgorithms(["rsa-sha2-512", "ecdsa-sha2-nistp256"]), [
    "rsa-sha2-512",
    "ecdsa-sha2-nistp256",
    "ssh-ed25519",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "rsa-sha2-256",
    "ssh-rsa",
  ]);
});

Deno.test("ssh2 login: an agent's failure or a key that cannot sign ends only that attempt", () => {
  const agent = Object.assign(new Error("Failed to connect to agent"), { level: "agent" });
  assert.ok(endsOnlyThisAttempt(agent));
  assert.ok(
    endsOnlyThisAttempt(new Error("Error signing data with key: invalid SEC1 private key")),
  );
  assert.ok(endsOnlyThisAttempt(new Error("Error while signing data with key")));
  const denied = Object.assign(new Error("All configured authentication methods failed"), {
    level: "client-authentication",
  });
  assert.ok(!endsOnlyThisAttempt(denied));
  assert.ok(!endsOnlyThisAttempt(new Error("Handshake failed: no matching key exchange")));
});

/** A host with nothing configured: no keys known, no agent, no identity files. */
function bareHost(connectTimeout: number): ResolvedHost {
  return {
    alias: "web",
    hostname: "web",
    port: 22,
    user: "root",
    identityFiles: [],
    identitiesOnly: false,
    userKnownHostsFiles: [],
    globalKnownHostsFiles: [],
    strictHostKeyChecking: "yes",
    hashKnownHosts: false,
    connectTimeout,
    serverAliveInterval: 0,
    serverAliveCountMax: 3,
    proxyJump: [],
    batchMode: true,
    family: 0,
  };
}

Deno.test("ssh2 login: a server that never answers fails within ConnectTimeout, naming the host", async () => {
  // Swallows what the client says, never says anything back.
  const silent = new Duplex({ read() {}, write: (_c, _e, done) => done() });
  await assert.rejects(
    login(silent, bareHost(0.2), "root@web"),
    /^Error: no SSH handshake from web within 0.2s$/,
  );
  silent.destroy();
});

Deno.test("ssh2 login: a connection that closes before the key exchange fails at once, not at ConnectTimeout", async () => {
  const closing = new Duplex({ read() {}, write: (_c, _e, done) => done() });
  const attempt = login(closing, bareHost(10), "root@web");
  closing.push(null);
  closing.destroy();
  // ssh2's reason; the test's sanitizer also fails on a handshake timer left running.
  await assert.rejects(attempt, /^Error: Connection lost before handshake$/);
});
