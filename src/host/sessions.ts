/**
 * Logins to hosts, one per way of reaching a host (user, hostname, sshOpts),
 * shared by every profile and node that reaches it the same way. A login is
 * held by the nodes working through it (`using`) and closed as soon as the
 * last of them is done, so a run keeps about `--jobs` logins open whatever
 * the size of the fleet; whoever needs the host later (a revoke, a later
 * node) logs in again, the same way and under the same host-key policy.
 * What is still open is closed at the end, also when the run is interrupted.
 */
import type { ProfilePlan } from "../config/plan.ts";
import { transportFor } from "../ssh/select.ts";
import type { Transport } from "../ssh/transport.ts";
import { onInterrupt } from "../process/cleanup.ts";
import type { HelperOutcome, Host } from "./host.ts";
import { HelperHost, type HelperSetup } from "./helper_host.ts";

/** Makes the transport that reaches a profile's host. */
export type Connect = (plan: ProfilePlan) => Transport;

/** Makes the Host for a profile's login (tests give a fake one). */
export type HostFactory = (plan: ProfilePlan) => Host;

/** Hosts that run deploy-ts's helper over the given transports. */
export function helperHosts(setup: HelperSetup, connect: Connect = transportFor): HostFactory {
  return (p) => new HelperHost(connect(p), setup);
}

/** Profiles that reach the host the same way (and by the same transport) share a login. */
export function loginKey(p: ProfilePlan): string {
  return JSON.stringify([p.settings.transport, p.settings.sshUser, p.hostname, p.settings.sshOpts]);
}

/** How a verb ends on a host that could not be logged in to again (a revoke after its node closed). */
export function notLoggedIn(e: Error): HelperOutcome {
  return { outcome: "lost", ok: false, message: `cannot log in again: ${e.message}` };
}

/** What a login is: opened once, closed when done (a Host, or a bare Transport for `exec`). */
export interface Login {
  open(): Promise<void>;
  close(): Promise<void>;
}

/**
 * One login per way of reaching a host (loginKey), shared by every profile
 * and node that reaches it the same way while they hold it (`using`); the
 * last holder's release closes it. A login asked for outside `using` stays
 * open to the end. Everything still open is closed by closeAll, also when
 * the run is interrupted.
 */
export class SharedLogins<T extends Login> {
  /** The current login of each way of reaching a host, or the error that prevented it. */
  readonly #logins = new Map<string, Promise<T | Error>>();
  /** How many `using` calls hold each way of reaching a host now. */
  readonly #holders = new Map<string, number>();
  /** Logins open (or opening), to be closed once. */
  readonly #open = new Set<T>();
  /** Closes under way (a release), which closeAll waits for too. */
  readonly #closing = new Set<Promise<void>>();
  readonly #unregister: () => void;

  constructor(readonly make: (p: ProfilePlan) => T) {
    // An interrupted run still closes its masters.
    this.#unregister = onInterrupt(() => this.closeAll());
  }

  /** Whether this profile's way of reaching its host is logged in (or being). */
  has(p: ProfilePlan): boolean {
    return this.#logins.has(loginKey(p));
  }

  /** The open login for a profile's host (logging in, or again, if need be), or why it failed. */
  login(p: ProfilePlan): Promise<T | Error> {
    const k = loginKey(p);
    if (!this.#logins.has(k)) {
      const login = this.make(p);
      this.#open.add(login);
      this.#logins.set(
        k,
        login.open().then(
          () => login,
          async (e) => (await this.#close(login), e instanceof Error ? e : new Error(String(e))),
        ),
      );
    }
    return this.#logins.get(k)!;
  }

  /**
   * Run `fn` holding the logins of these profiles' hosts (logged in lazily,
   * by `login`); when the last holder of a login is done, it is closed.
   */
  async using<R>(profiles: readonly ProfilePlan[], fn: () => Promise<R>): Promise<R> {
    const keys = [...new Set(profiles.map(loginKey))];
    for (const k of keys) this.#holders.set(k, (this.#holders.get(k) ?? 0) + 1);
    try {
      return await fn();
    } finally {
      await Promise.all(keys.map((k) => this.#release(k)));
    }
  }

  /** `fn` for a node (or any group of profiles), holding their logins while it runs (`using`). */
  holding<G extends { profiles: readonly ProfilePlan[] }, R>(
    fn: (group: G) => Promise<R>,
  ): (group: G) => Promise<R> {
    return (group) => this.using(group.profiles, () => fn(group));
  }

  async #release(k: string): Promise<void> {
    const left = this.#holders.get(k)! - 1;
    if (left > 0) {
      this.#holders.set(k, left);
      return;
    }
    this.#holders.delete(k);
    const login = this.#logins.get(k);
    if (!login) return;
    // Forgotten first: whoever asks from now on logs in anew.
    this.#logins.delete(k);
    const l = await login;
    if (!(l instanceof Error)) await this.#close(l);
  }

  #close(login: T): Promise<void> {
    if (!this.#open.delete(login)) return Promise.resolve();
    const closing = login.close().finally(() => this.#closing.delete(closing));
    this.#closing.add(closing);
    return closing;
  }

  async closeAll(): Promise<void> {
    this.#unregister();
    await Promise.all([...[...this.#open].map((l) => this.#close(l)), ...this.#closing]);
  }
}

/** The deployer's Hosts, each logged in once, and deploy-ts's package copied to each once. */
export class HostSessions extends SharedLogins<Host> {
  readonly #helpers = new Map<string, Promise<void>>();

  constructor(readonly makeHost: HostFactory) {
    super(makeHost);
  }

  /** Copy deploy-ts's package to the host once (for commands that copy nothing else). */
  ensureHelper(p: ProfilePlan, host: Host, helper: string, checkSigs: boolean): Promise<void> {
    const k = loginKey(p);
    if (!this.#helpers.has(k)) {
      this.#helpers.set(
        k,
        host.copy([helper], { substitute: !p.settings.fastConnection, checkSigs, node: p.node }),
      );
    }
    return this.#helpers.get(k)!;
  }
}
