/**
 * The built-in SSH transport: ssh2 in this process, no `ssh` binary. One
 * connection per host carries every command (exec channels, several at
 * once: ssh2_exec.ts) and Nix's copies (a local Unix socket forwarded to
 * the host's nix-daemon: ssh2_daemon.ts); the confirmation of magic
 * rollback opens a second, brand-new connection (TCP, key exchange,
 * authentication), so a generation that breaks new logins is still rolled
 * back. ProxyJump hops are ssh2 connections too (ssh2_hops.ts, each login
 * ssh2_login.ts). Every connection is closed in every outcome.
 *
 * Loaded only when a host uses it (see select.ts): ssh2 costs ~80 ms at import.
 */
import { DeployError } from "../../shared/errors.ts";
import type { RunOptions, RunResult } from "../../process/run.ts";
import type { StoreTarget } from "../../nix/store_target.ts";
import type { Transport } from "../transport.ts";
import { sshDestination, type SshOptions } from "../options.ts";
import { type ConfigSource, parseSshOpts, type ResolvedHost, resolveHost } from "./ssh2_config.ts";
import { Link } from "./ssh2_link.ts";
import { connectVia } from "./ssh2_hops.ts";
import { execute } from "./ssh2_exec.ts";
import { DaemonForward, probeDaemon } from "./ssh2_daemon.ts";

export class Ssh2Transport implements Transport {
  readonly destination: string;
  readonly #options: SshOptions;
  #source?: ConfigSource;
  #host?: ResolvedHost;
  #link?: Link;
  #daemon?: DaemonForward;
  /** Fresh connections still open (a confirmation interrupted mid-way). */
  readonly #fresh = new Set<Link>();

  constructor(options: SshOptions) {
    this.#options = options;
    this.destination = sshDestination(options);
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
    link.watchForLoss(this.destination);
    return link;
  }

  async open(): Promise<void> {
    this.#link = await this.#connect();
    try {
      await probeDaemon(this.#link.client, this.destination, this.#options.context);
      this.#daemon = await DaemonForward.listen(() => this.#link);
    } catch (e) {
      await this.close();
      throw e;
    }
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
    if (!this.#daemon) throw new Error(`${this.destination}: nixStore before open`);
    return { uri: `unix://${this.#daemon.path}`, env: {}, destination: this.destination };
  }

  async close(): Promise<void> {
    // The forwarded streams end first, then the logins they ride on.
    const daemon = this.#daemon;
    this.#daemon = undefined;
    const closing = daemon?.close();
    for (const l of this.#fresh) l.close();
    this.#fresh.clear();
    this.#link?.close();
    this.#link = undefined;
    await closing;
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
