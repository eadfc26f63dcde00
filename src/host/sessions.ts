/**
 * Logins to hosts, one per way of reaching a host (user, hostname, sshOpts),
 * shared by every profile and node that reaches it the same way, and closed
 * together at the end, also when the run is interrupted.
 */
import type { ProfilePlan } from "../config/plan.ts";
import { transportFor } from "../ssh/select.ts";
import type { Transport } from "../ssh/transport.ts";
import { onInterrupt } from "../process/cleanup.ts";
import type { Host } from "./host.ts";
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

/** What a login is: opened once, closed at the end (a Host, or a bare Transport for `exec`). */
export interface Login {
  open(): Promise<void>;
  close(): Promise<void>;
}

/**
 * One login per way of reaching a host (loginKey), shared by every profile
 * and node that reaches it the same way, all closed together at the end,
 * also when the run is interrupted.
 */
export class SharedLogins<T extends Login> {
  readonly #logins = new Map<string, Promise<T | Error>>();
  readonly #open: T[] = [];
  readonly #unregister: () => void;

  constructor(readonly make: (p: ProfilePlan) => T) {
    // An interrupted run still closes its masters.
    this.#unregister = onInterrupt(() => this.closeAll());
  }

  /** Whether this profile's way of reaching its host was already asked for. */
  has(p: ProfilePlan): boolean {
    return this.#logins.has(loginKey(p));
  }

  /** The open login for a profile's host, or the error that prevented it. */
  login(p: ProfilePlan): Promise<T | Error> {
    const k = loginKey(p);
    if (!this.#logins.has(k)) {
      const login = this.make(p);
      this.#logins.set(
        k,
        login.open().then(
          () => (this.#open.push(login), login),
          async (e) => (await login.close(), e instanceof Error ? e : new Error(String(e))),
        ),
      );
    }
    return this.#logins.get(k)!;
  }

  async closeAll(): Promise<void> {
    this.#unregister();
    await Promise.all(this.#open.map((l) => l.close()));
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
