/**
 * Logins to hosts, one per way of reaching a host (user, hostname, sshOpts),
 * shared by every profile and node that reaches it the same way, and closed
 * together at the end.
 */
import type { ProfilePlan } from "../config/plan.ts";
import { copyToHost } from "../nix/copy.ts";
import { OpenSshTransport } from "../ssh/openssh.ts";
import { transportFor } from "../ssh/select.ts";
import type { Transport } from "../ssh/transport.ts";
import { onInterrupt } from "../process/cleanup.ts";

export type Connect = (plan: ProfilePlan) => Transport;

export const openSsh: Connect = (p) =>
  new OpenSshTransport({
    sshUser: p.settings.sshUser,
    hostname: p.hostname,
    sshOpts: p.settings.sshOpts,
    context: { node: p.node },
  });

/** Profiles that reach the host the same way share a login. */
export function loginKey(p: ProfilePlan): string {
  return JSON.stringify([p.settings.sshUser, p.hostname, p.settings.sshOpts]);
}

export class HostSessions {
  readonly #logins = new Map<string, Promise<Transport | Error>>();
  readonly #open: Transport[] = [];
  readonly #helpers = new Map<string, Promise<void>>();

  readonly #unregister: () => void;

  constructor(readonly connect: Connect = transportFor) {
    // An interrupted run still closes its masters.
    this.#unregister = onInterrupt(() => this.closeAll());
  }

  /** The open login for a profile's host, or the error that prevented it. */
  login(p: ProfilePlan): Promise<Transport | Error> {
    const k = loginKey(p);
    if (!this.#logins.has(k)) {
      const t = this.connect(p);
      this.#logins.set(
        k,
        t.open().then(() => (this.#open.push(t), t), async (e) => (await t.close(), e as Error)),
      );
    }
    return this.#logins.get(k)!;
  }

  /** Copy deploy-ts's package to the host once (for commands that copy nothing else). */
  ensureHelper(p: ProfilePlan, t: Transport, helper: string, checkSigs: boolean): Promise<void> {
    const k = loginKey(p);
    if (!this.#helpers.has(k)) {
      this.#helpers.set(
        k,
        copyToHost(t.nixStore(), [helper], {
          substitute: !p.settings.fastConnection,
          checkSigs,
          context: { node: p.node },
        }),
      );
    }
    return this.#helpers.get(k)!;
  }

  async closeAll(): Promise<void> {
    this.#unregister();
    await Promise.all(this.#open.map((t) => t.close()));
  }
}
