/**
 * The built-in SSH transport: ssh2 in this process, no `ssh` binary. One
 * connection per host carries every command (exec channels, several at
 * once) and Nix's copies (a local Unix socket forwarded to the host's
 * nix-daemon); the confirmation of magic rollback opens a second, brand-new
 * connection (TCP, key exchange, authentication), so a generation that
 * breaks new logins is still rolled back. ProxyJump hops are ssh2
 * connections too. Every connection is closed in every outcome.
 *
 * Loaded only when a host uses it (see select.ts): ssh2 costs ~80 ms at import.
 */
import type { Buffer } from "node:buffer";
import { mkdtempSync, rmSync } from "node:fs";
import { connect as tcpConnect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import process from "node:process";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { Client, type ClientChannel, type KexAlgorithm, type ServerHostKeyAlgorithm } from "ssh2";
import { DeployError, type ErrorContext } from "../../shared/errors.ts";
import { lineSplitter, type RunOptions, type RunResult } from "../../process/run.ts";
import type { StoreTarget } from "../../nix/store_target.ts";
import { shellQuoteArgv } from "../../shared/shell_quote.ts";
import type { Transport } from "../transport.ts";
import {
  type ConfigSource,
  jumpSource,
  parseJump,
  parseSshOpts,
  type ResolvedHost,
  resolveHost,
} from "./ssh2_config.ts";
import { authentication, authenticationFailed } from "./ssh2_auth.ts";
import {
  checkHostKey,
  knownHostsName,
  knownKeys,
  preferredHostKeyAlgorithms,
} from "./known_hosts.ts";

export interface Ssh2Options {
  sshUser: string;
  hostname: string;
  /** The merged sshOpts (already split into words). */
  sshOpts: readonly string[];
  context: ErrorContext;
}

/** Where the host's nix-daemon listens (the same path on every NixOS and Nix install). */
export const DAEMON_SOCKET = "/nix/var/nix/daemon-socket/socket";

/** As the OpenSSH transport adds them unless the user set them: fail fast, notice dead links. */
const DEFAULT_CONNECT_TIMEOUT = 10;
const DEFAULT_ALIVE_INTERVAL = 5;

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

/** One login and the jump hosts' logins it rides on, closed together. */
class Link {
  /** Innermost last: the connection to the destination itself. */
  readonly clients: Client[] = [];
  /** Set when the connection to the destination failed after login. */
  lost?: string;

  get client(): Client {
    return this.clients[this.clients.length - 1];
  }

  close(): void {
    // The destination first, then each hop it rode on.
    for (const c of [...this.clients].reverse()) {
      c.end();
      c.destroy();
    }
    this.clients.length = 0;
  }
}

/** A TCP connection, within ConnectTimeout, with Nagle off (ssh2 leaves it on: +250 ms a command). */
function tcp(host: ResolvedHost): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = tcpConnect({
      host: host.hostname,
      port: host.port,
      ...(host.family ? { family: host.family } : {}),
    });
    const seconds = host.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT;
    const timer = setTimeout(() => {
      sock.destroy();
      reject(
        new Error(`connect to ${host.hostname} port ${host.port}: timed out after ${seconds}s`),
      );
    }, seconds * 1000);
    sock.once("connect", () => {
      clearTimeout(timer);
      sock.setNoDelay(true);
      resolve(sock);
    });
    sock.once("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`connect to ${host.hostname} port ${host.port}: ${e.message}`));
    });
  });
}

/** A channel to host:port through an open login (one ProxyJump hop). */
function forwardOut(via: Client, host: ResolvedHost): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    via.forwardOut("127.0.0.1", 0, host.hostname, host.port, (err, stream) => {
      if (err) {
        reject(
          new Error(
            `the jump host cannot reach ${host.hostname} port ${host.port}: ${err.message}`,
          ),
        );
      } else resolve(stream);
    });
  });
}

/** Log in to one host over `sock`: host key checked, then the agent and the identity files. */
function login(sock: Duplex, host: ResolvedHost, destination: string): Promise<Client> {
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
    const seconds = host.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT;
    const handshakeTimer = setTimeout(
      () => fail(`no SSH handshake from ${host.hostname} within ${seconds}s`),
      seconds * 1000,
    );
    client.on("handshake", () => clearTimeout(handshakeTimer));
    // `on`, not `once`: a second error event would otherwise crash the process.
    client.on("error", (e: Error & { level?: string }) => {
      // An agent that fails, or a key that cannot sign, only ends that attempt.
      if (e.level === "agent" || /^Error (signing|while signing)/.test(e.message)) {
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
        serverHostKey: [
          ...preferred,
          ...HOST_KEY_ALGORITHMS.filter((a) => !preferred.includes(a)),
        ] as ServerHostKeyAlgorithm[],
      },
      keepaliveInterval: (host.serverAliveInterval || DEFAULT_ALIVE_INTERVAL) * 1000,
      keepaliveCountMax: host.serverAliveCountMax,
      // Our own timers above: ssh2's would also count the passphrase prompt.
      readyTimeout: 0,
    });
  });
}

/**
 * Connect to a resolved host, through its ProxyJump hops (each an ssh2 login
 * resolved against the same configuration), into `link`.
 */
async function connectVia(
  link: Link,
  source: ConfigSource,
  host: ResolvedHost,
  destination: string,
  context: ErrorContext,
): Promise<void> {
  let sock: Duplex;
  if (host.proxyJump.length === 0) {
    sock = await tcp(host);
  } else {
    const hops = host.proxyJump;
    const hop = parseJump(hops[hops.length - 1]);
    const jumpSrc = jumpSource(source, hop, hops.slice(0, -1));
    const jump = resolveHost(jumpSrc, hop.host, undefined, context);
    try {
      await connectVia(link, jumpSrc, jump, `${jump.user}@${jump.alias}`, context);
    } catch (e) {
      throw new Error(`through the jump host ${jump.alias}: ${(e as Error).message}`);
    }
    sock = await forwardOut(link.client, host);
  }
  const client = await login(sock, host, destination);
  link.clients.push(client);
}

/** How a command ended, in the terms of RunResult (as OpenSSH's client reports it). */
function execute(
  link: Link,
  argv: readonly string[],
  options: RunOptions,
  label: readonly string[],
): Promise<RunResult> {
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const out = lineSplitter(options.onStdoutLine);
    const err = lineSplitter(options.onStderrLine);
    let code: number | null = null;
    let remoteSignal: string | undefined;
    let finished = false;
    const finish = (why?: string) => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      out.flush();
      err.flush();
      if (why) stderr += `${why}\n`;
      // ssh exits 255 when the connection fails, and also when the remote
      // command was killed by a signal (it gets no exit status).
      if (remoteSignal) stderr += `remote command killed by signal ${remoteSignal}\n`;
      const killed = timedOut || options.signal?.aborted;
      resolve({
        argv: label,
        code: killed ? null : code ?? 255,
        signal: killed ? "SIGTERM" : null,
        stdout,
        stderr,
        timedOut,
      });
    };
    let channel: ClientChannel | undefined;
    const stop = () => {
      channel?.signal("TERM");
      channel?.close();
      finish();
    };
    const onAbort = () => stop();
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      stop();
    }, Math.min(options.timeoutMs, 2 ** 31 - 1));
    options.signal?.addEventListener("abort", onAbort);
    const client = link.client;
    if (!client || link.lost) return finish(link.lost ?? "not connected");
    try {
      client.exec(shellQuoteArgv(argv), (e, stream) => {
        if (e) return finish(`cannot start the command: ${e.message}`);
        if (finished) return stream.close();
        channel = stream;
        stream.setEncoding("utf8");
        stream.stderr.setEncoding("utf8");
        stream.on("data", (chunk: string) => {
          stdout += chunk;
          out.push(chunk);
        });
        stream.stderr.on("data", (chunk: string) => {
          stderr += chunk;
          err.push(chunk);
        });
        stream.on("exit", (c: number | null, signal?: string) => {
          if (typeof c === "number") code = c;
          else if (signal) remoteSignal = signal;
        });
        stream.on(
          "close",
          () =>
            finish(
              code === null && !remoteSignal
                ? (link.lost ?? "the connection closed before the command ended")
                : undefined,
            ),
        );
        stream.on("error", () => {});
        stream.end(options.input ?? undefined);
      });
    } catch (e) {
      finish((e as Error).message);
    }
  });
}

export class Ssh2Transport implements Transport {
  readonly destination: string;
  readonly #options: Ssh2Options;
  #source?: ConfigSource;
  #host?: ResolvedHost;
  #link?: Link;
  #dir?: string;
  #server?: Server;
  readonly #forwarded = new Set<Duplex | Socket>();
  /** Fresh connections still open (a confirmation interrupted mid-way). */
  readonly #fresh = new Set<Link>();

  constructor(options: Ssh2Options) {
    this.#options = options;
    this.destination = `${options.sshUser}@${options.hostname}`;
  }

  /** Resolve the host's options, then log in through its jump hosts. */
  async #connect(): Promise<Link> {
    const { context } = this.#options;
    this.#source ??= parseSshOpts(this.#options.sshOpts, context);
    this.#host ??= resolveHost(
      this.#source,
      this.#options.hostname,
      this.#options.sshUser,
      context,
    );
    const link = new Link();
    try {
      await connectVia(link, this.#source, this.#host, this.destination, context);
    } catch (e) {
      link.close();
      throw new DeployError(
        `cannot connect to ${this.destination}: ${(e as Error).message}`,
        context,
      );
    }
    link.client.on(
      "error",
      (e: Error) => link.lost ??= `connection to ${this.destination} lost: ${e.message}`,
    );
    link.client.on("close", () => link.lost ??= `connection to ${this.destination} closed`);
    return link;
  }

  async open(): Promise<void> {
    this.#link = await this.#connect();
    try {
      await this.#probeDaemon();
      await this.#listen();
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  /** A host without a nix-daemon socket cannot be copied to through the connection: say so now. */
  #probeDaemon(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#link!.client.openssh_forwardOutStreamLocal(DAEMON_SOCKET, (err, stream) => {
        if (err) {
          reject(
            new DeployError(
              `${this.destination} has no nix-daemon at ${DAEMON_SOCKET} that the built-in SSH ` +
                `transport can reach (${err.message}); it copies through the daemon only: ` +
                `use --transport openssh for this host`,
              this.#options.context,
            ),
          );
        } else {
          stream.on("error", () => {});
          stream.close();
          resolve();
        }
      });
    });
  }

  /** A local Unix socket, in a private directory, forwarded to the host's nix-daemon. */
  #listen(): Promise<void> {
    this.#dir = mkdtempSync(join(tmpdir(), "deploy-ts-ssh2-"));
    const server = this.#server = createServer((local) => {
      this.#forwarded.add(local);
      local.on("close", () => this.#forwarded.delete(local));
      local.on("error", () => local.destroy());
      const link = this.#link;
      if (!link || link.lost) return local.destroy();
      link.client.openssh_forwardOutStreamLocal(DAEMON_SOCKET, (err, remote) => {
        if (err) return local.destroy();
        this.#forwarded.add(remote);
        remote.on("close", () => {
          this.#forwarded.delete(remote);
          local.destroy();
        });
        remote.on("error", () => local.destroy());
        local.on("close", () => remote.close());
        local.pipe(remote).pipe(local);
      });
    });
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(join(this.#dir!, "nix-daemon"), () => resolve());
    });
  }

  run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    if (!this.#link) throw new Error(`${this.destination}: run before open`);
    return execute(this.#link, argv, options, ["ssh2", this.destination, ...argv]);
  }

  async runFresh(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const label = ["ssh2 (new connection)", this.destination, ...argv];
    let link: Link;
    const connecting = this.#connect();
    try {
      link = await withTimeout(connecting, options);
    } catch (e) {
      // A login that completes after the limit is closed at once.
      connecting.then((late) => late.close(), () => {});
      const timedOut = e instanceof TimedOut;
      return {
        argv: label,
        code: timedOut ? null : 255,
        signal: timedOut ? "SIGTERM" : null,
        stdout: "",
        stderr: `${(e as Error).message}\n`,
        timedOut,
      };
    }
    this.#fresh.add(link);
    try {
      return await execute(link, argv, options, label);
    } finally {
      this.#fresh.delete(link);
      link.close();
    }
  }

  nixStore(): StoreTarget {
    if (!this.#dir) throw new Error(`${this.destination}: nixStore before open`);
    return {
      uri: `unix://${join(this.#dir, "nix-daemon")}`,
      env: {},
      destination: this.destination,
    };
  }

  close(): Promise<void> {
    for (const s of this.#forwarded) s.destroy();
    this.#forwarded.clear();
    for (const l of this.#fresh) l.close();
    this.#fresh.clear();
    this.#link?.close();
    this.#link = undefined;
    const server = this.#server;
    this.#server = undefined;
    const dir = this.#dir;
    this.#dir = undefined;
    return new Promise((resolve) => {
      const done = () => {
        if (dir) rmSync(dir, { recursive: true, force: true });
        resolve();
      };
      if (server) server.close(() => done());
      else done();
    });
  }
}

class TimedOut extends Error {}

/** A login that takes longer than the command's own time limit counts as timed out. */
function withTimeout<T>(p: Promise<T>, options: RunOptions): Promise<T> {
  if (options.timeoutMs === undefined) return p;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new TimedOut(`no login within ${options.timeoutMs} ms`)),
      Math.min(options.timeoutMs!, 2 ** 31 - 1),
    );
    p.then((v) => {
      clearTimeout(timer);
      resolve(v);
    }, (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
