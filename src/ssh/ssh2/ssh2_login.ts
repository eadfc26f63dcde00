/**
 * The login to one host over a stream already open to it (TCP, or a
 * channel through a jump host): the key exchange, the host key checked
 * against known_hosts, then the agent and the identity files. It fails with
 * the reason a user can act on (the refused host key, what was tried), and
 * within ConnectTimeout of a silent server.
 */
import type { Buffer } from "node:buffer";
import type { Socket } from "node:net";
import process from "node:process";
import type { Duplex } from "node:stream";
import { Client, type KexAlgorithm, type ServerHostKeyAlgorithm } from "ssh2";
import type { ResolvedHost } from "./ssh2_config.ts";
import { authentication, authenticationFailed } from "./ssh2_auth.ts";
import {
  checkHostKey,
  knownHostsName,
  knownKeys,
  preferredHostKeyAlgorithms,
} from "./known_hosts.ts";
import {
  DEFAULT_CONNECT_TIMEOUT_SECONDS,
  DEFAULT_SERVER_ALIVE_INTERVAL_SECONDS,
} from "../options.ts";

/** ssh2's defaults, less ecdh-sha2-nistp521, which Deno's crypto cannot do ("invalid curve"). */
const KEX = [
  "curve25519-sha256@libssh.org",
  "curve25519-sha256",
  "ecdh-sha2-nistp256",
  "ecdh-sha2-nistp384",
  "diffie-hellman-group-exchange-sha256",
  "diffie-hellman-group14-sha256",
  "diffie-hellman-group15-sha512",
  "diffie-hellman-group16-sha512",
  "diffie-hellman-group17-sha512",
  "diffie-hellman-group18-sha512",
];
const HOST_KEY_ALGORITHMS = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "rsa-sha2-512",
  "rsa-sha2-256",
  "ssh-rsa",
];

/**
 * The host key algorithms to offer: those of the keys known_hosts holds for
 * the host first (so the server presents a key that can be checked), then
 * the rest in the default order (pure; tested).
 */
export function hostKeyAlgorithms(preferred: readonly string[]): string[] {
  return [...preferred, ...HOST_KEY_ALGORITHMS.filter((a) => !preferred.includes(a))];
}

/**
 * An agent that fails, or a key that cannot sign, ends only that attempt:
 * the next method is tried, and the error is named if none gets through (pure; tested).
 */
export function endsOnlyThisAttempt(e: Error & { level?: string }): boolean {
  return e.level === "agent" || /^Error (signing|while signing)/.test(e.message);
}

/** Log in to one host over `sock`: host key checked, then the agent and the identity files. */
export function login(sock: Duplex, host: ResolvedHost, destination: string): Promise<Client> {
  const name = knownHostsName(host);
  const known = knownKeys([...host.userKnownHostsFiles, ...host.globalKnownHostsFiles], name);
  const preferred = preferredHostKeyAlgorithms(known);
  const auth = authentication(host);
  const client = new Client();
  let refused: string | undefined;
  const notes: string[] = [];
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(handshakeTimer);
      client.end();
      client.destroy();
      reject(new Error(message));
    };
    // ConnectTimeout covers the key exchange too, as in OpenSSH; not the
    // authentication (a passphrase may be being typed).
    const seconds = host.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_SECONDS;
    const handshakeTimer = setTimeout(
      () => fail(`no SSH handshake from ${host.hostname} within ${seconds}s`),
      seconds * 1000,
    );
    client.on("handshake", () => clearTimeout(handshakeTimer));
    // `on`, not `once`: a second error event would otherwise crash the process.
    client.on("error", (e: Error & { level?: string }) => {
      if (endsOnlyThisAttempt(e)) {
        notes.push(e.message);
        return;
      }
      if (!settled) {
        if (refused) return fail(refused);
        if (e.level === "client-authentication") {
          return fail(authenticationFailed(destination, [...auth.tried, ...notes]));
        }
        return fail(e.message);
      }
    });
    client.on(
      "close",
      () => fail(refused ?? `the connection to ${host.hostname} closed during login`),
    );
    client.on("ready", () => {
      if (settled) return;
      settled = true;
      clearTimeout(handshakeTimer);
      resolve(client);
    });
    client.connect({
      sock: sock as Socket,
      username: host.user,
      authHandler: auth.handler,
      hostVerifier: (key: Buffer) => {
        const verdict = checkHostKey(key, host, known, destination);
        if (!verdict.ok) refused = verdict.message;
        else if (verdict.added) {
          process.stderr.write(`deploy: warning: host key of ${verdict.added}\n`);
        }
        return verdict.ok;
      },
      algorithms: {
        kex: KEX as KexAlgorithm[],
        serverHostKey: hostKeyAlgorithms(preferred) as ServerHostKeyAlgorithm[],
      },
      keepaliveInterval: (host.serverAliveInterval || DEFAULT_SERVER_ALIVE_INTERVAL_SECONDS) * 1000,
      keepaliveCountMax: host.serverAliveCountMax,
      // Our own timers above: ssh2's would also count the passphrase prompt.
      readyTimeout: 0,
    });
  });
}
