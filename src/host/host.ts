/**
 * A host as the deployment sees it: the verbs a person would use on it
 * (copy closures, build a derivation there, activate, revoke, look at a
 * profile), whatever carries them. `HelperHost` implements them once, over
 * any `Transport` and deploy-ts's own helper on the host; tests drive the
 * pipeline with a fake.
 */
import type { ProfilePlan } from "../config/plan.ts";
import type { DeployEventInput } from "../shared/events.ts";
import { DeployError } from "../shared/errors.ts";
import { type CopyOptions, copyToHost } from "../nix/copy.ts";
import type { StoreTarget } from "../nix/store_target.ts";
import type { ProfileDescription } from "../helper/query.ts";
import { lastLines } from "../process/run.ts";
import type { Transport } from "../ssh/transport.ts";
import type { CheckResult } from "../shared/health_checks.ts";
import {
  activateProfile,
  type ActivationMode,
  checkHealthOnHost,
  type HelperContext,
  type HelperOutcome,
  queryProfile,
  type RevokeGenerations,
  revokeProfile,
} from "./remote_helper.ts";
import { needsPassword, sudoProbeArgv } from "./elevation.ts";

/** Where a profile's progress goes while the host works on it. */
export interface ProfileWatch {
  onLog: (line: string, source: "host" | "ssh" | "nix" | "health") => void;
  onPhase: (phase: "activating" | "confirming", message?: string) => void;
}

/** Where a profile's progress goes, as events (nowhere without `emit`). */
export function watchOf(p: ProfilePlan, emit?: (event: DeployEventInput) => void): ProfileWatch {
  return {
    onLog: (line, source) =>
      emit?.({ type: "log", node: p.node, profile: p.profile, source, line }),
    onPhase: (phase, message) =>
      emit?.({ type: "phase", node: p.node, profile: p.profile, phase, message }),
  };
}

export interface Host {
  /** `user@host`, for messages. */
  readonly destination: string;
  /** Log in (once). Throws a DeployError naming the host when it cannot. */
  open(): Promise<void>;
  /** Copy closures (or with `derivation`, derivations) into the host's store. */
  copy(
    paths: readonly string[],
    options: Omit<CopyOptions, "context"> & {
      node: string;
    },
  ): Promise<void>;
  /** Build a derivation that is already in the host's store, there (remoteBuild). */
  realise(p: ProfilePlan, onLine?: (line: string) => void): Promise<void>;
  /** Activate a profile and follow it to its outcome, confirming over a new connection. */
  activate(p: ProfilePlan, mode: ActivationMode, watch: ProfileWatch): Promise<HelperOutcome>;
  /** Put a profile back on the generation it had before this run. */
  revoke(
    p: ProfilePlan,
    generations: RevokeGenerations & { boot: boolean },
    watch: ProfileWatch,
  ): Promise<HelperOutcome>;
  /** The profile as the host sees it now. */
  query(p: ProfilePlan): Promise<ProfileDescription>;
  /** Run host-side health checks (name → argv) once, as the profile's user. */
  checkHealth(p: ProfilePlan, checks: Record<string, string[]>): Promise<CheckResult[]>;
  /** The host's Nix store, for Nix commands that read it (closure sizes). */
  nixStore(): StoreTarget;
  close(): Promise<void>;
}

/** What every HelperHost of a run shares. */
export interface HelperSetup {
  /** The deploy-ts package, copied to each host. */
  package: string;
  /** Who is deploying, for the host's record. */
  deployer: string;
  /** Sudo passwords by node, for interactiveSudo. */
  passwords: ReadonlyMap<string, string>;
}

/** The verbs over a transport and deploy-ts's helper package on the host. */
export class HelperHost implements Host {
  readonly destination: string;

  constructor(
    readonly transport: Transport,
    readonly helper: HelperSetup,
  ) {
    this.destination = transport.destination;
  }

  open(): Promise<void> {
    return this.transport.open();
  }

  copy(
    paths: readonly string[],
    options: Omit<CopyOptions, "context"> & { node: string },
  ): Promise<void> {
    const { node, ...rest } = options;
    return copyToHost(this.transport.nixStore(), paths, { ...rest, context: { node } });
  }

  async realise(p: ProfilePlan, onLine?: (line: string) => void): Promise<void> {
    const r = await this.transport.run(["nix-store", "--realise", p.drvPath!], {
      onStderrLine: onLine,
    });
    if (r.code !== 0) {
      throw new DeployError(`building on ${this.destination} failed:\n${lastLines(r.stderr, 20)}`, {
        node: p.node,
        profile: p.profile,
      });
    }
  }

  async activate(
    p: ProfilePlan,
    mode: ActivationMode,
    watch: ProfileWatch,
  ): Promise<HelperOutcome> {
    return await activateProfile(p, await this.#context(p, watch), mode);
  }

  async revoke(
    p: ProfilePlan,
    generations: RevokeGenerations & { boot: boolean },
    watch: ProfileWatch,
  ): Promise<HelperOutcome> {
    return await revokeProfile(p, await this.#context(p, watch), generations, generations.boot);
  }

  async query(p: ProfilePlan): Promise<ProfileDescription> {
    return await queryProfile(p, await this.#context(p, { onLog: () => {}, onPhase: () => {} }));
  }

  async checkHealth(p: ProfilePlan, checks: Record<string, string[]>): Promise<CheckResult[]> {
    return await checkHealthOnHost(
      p,
      await this.#context(p, { onLog: () => {}, onPhase: () => {} }),
      checks,
    );
  }

  nixStore(): StoreTarget {
    return this.transport.nixStore();
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  /** Whether sudo asks for a password, by login, sudo command and target user. */
  readonly #sudoAsks = new Map<string, Promise<boolean>>();

  /**
   * Whether sudo on this host asks for a password to run commands as the
   * profile's user, asked once per login and target user (sudoProbeArgv).
   * Anything but a clear "no" (exit 0) counts as asking: the password then
   * goes to `sudo -S`, which reads it only when it authenticates.
   */
  #sudoAsksFor(p: ProfilePlan): Promise<boolean> {
    const s = p.settings;
    const key = JSON.stringify([s.sshUser, s.sudo, s.user]);
    let asks = this.#sudoAsks.get(key);
    if (!asks) {
      asks = this.transport.run(sudoProbeArgv(s)).then((r) => r.code !== 0, () => true);
      this.#sudoAsks.set(key, asks);
    }
    return asks;
  }

  /** The one place where a profile's helper context is put together. */
  async #context(p: ProfilePlan, watch: ProfileWatch): Promise<HelperContext> {
    const password = this.helper.passwords.get(p.node);
    return {
      transport: this.transport,
      helper: this.helper.package,
      deployer: this.helper.deployer,
      // Only for a sudo that asks: one that does not would pass it to the command.
      password: password !== undefined && needsPassword(p.settings) && await this.#sudoAsksFor(p)
        ? password
        : undefined,
      onLog: watch.onLog,
      onPhase: watch.onPhase,
    };
  }
}
