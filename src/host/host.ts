/**
 * A host as the deployment sees it: the verbs a person would use on it
 * (copy closures, build a derivation there, activate, revoke, look at a
 * profile), whatever carries them, and what those verbs take and give.
 * `HelperHost` (helper_host.ts) implements them over any `Transport` and
 * deploy-ts's own helper on the host; tests drive the pipeline with a fake.
 */
import type { ProfilePlan } from "../config/plan.ts";
import type { DeployEventInput } from "../shared/events.ts";
import type { CopyOptions } from "../nix/copy.ts";
import type { StoreTarget } from "../nix/store_target.ts";
import type { ProfileDescription } from "../helper/query.ts";
import type { CheckResult } from "../shared/health_checks.ts";
import type { Outcome } from "../wire/protocol.ts";
import type { ActivationGoal } from "../shared/vocabulary.ts";
import type { SecretState, SecretUpload } from "../shared/secrets.ts";

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

/** What an activation is for, and (for `deploy rollback`) the generation it goes back to. */
export interface ActivationMode {
  goal: ActivationGoal;
  /** `deploy rollback`: go back to this existing generation, whose closure is `closure`. */
  generation?: number;
  /** What to activate, when it is not the plan's `path` (a generation being gone back to). */
  closure?: string;
  /** The profile's secrets with their values, for the request line (never argv). */
  secrets?: SecretUpload[];
  /** A revoke may follow: keep what the secrets replace after a confirmed run (dropSecretBackups). */
  keepSecretBackups?: boolean;
}

/** How an activation or a revoke ended, as the deployer reports it. */
export interface HelperOutcome {
  outcome: Outcome | "lost";
  ok: boolean;
  message: string;
  runDir?: string;
  previousGeneration?: number | null;
  newGeneration?: number | null;
  /** newGeneration when this run created it (see RunStatus.createdGeneration). */
  createdGeneration?: number | null;
  /** The health check that kept failing, with its last output. */
  failedCheck?: { name: string; output: string };
}

/** How `deploy secrets` went on a host: its message, and a line per secret written or put back. */
export interface SecretsUploaded {
  ok: boolean;
  message: string;
  lines: string[];
}

/** What a revoke goes back to, and what it may undo. */
export interface RevokeGenerations {
  previous: number | null;
  /** The generation this run activated: revoke only while it is still active. */
  activated: number | null;
  /** The generation this run created, to delete; null when it existed before. */
  created: number | null;
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
  /** Of these store paths, those the host's store lacks (for a binary cache's counts). */
  missingPaths?(paths: readonly string[]): Promise<string[]>;
  /**
   * Let the host fetch closures from a binary cache itself, as the SSH user,
   * bounded in time; how it ended (the exit status), never a throw: what it
   * did not fetch is copied over SSH.
   */
  fetchFromCache?(
    url: string,
    paths: readonly string[],
    onLine?: (line: string) => void,
  ): Promise<{ code: number; timedOut: boolean }>;
  /** Path → NAR hash as the host's store recorded it (to check what a cache served). */
  narHashes?(paths: readonly string[]): Promise<Map<string, string>>;
  /** Whether the host's own keys vouch for every one of the paths (signed by a trusted key). */
  trustsPaths?(paths: readonly string[]): Promise<boolean>;
  /**
   * Remove paths from the host's store with whatever refers to them (what a
   * fetch just added); returns what was removed, throws when it cannot.
   */
  deletePaths?(paths: readonly string[]): Promise<string[]>;
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
  /** Write a profile's secrets now, all or none (`deploy secrets`); what the host said. */
  uploadSecrets(p: ProfilePlan, uploads: SecretUpload[]): Promise<SecretsUploaded>;
  /**
   * Delete what a confirmed run's secrets replaced (kept for a revoke), the
   * deployment being over; throws a DeployError when the host cannot.
   */
  dropSecretBackups(p: ProfilePlan, runDir: string): Promise<void>;
  /** Whether each of the profile's secrets is on the host with its declared owner and mode. */
  secretStatus(p: ProfilePlan): Promise<SecretState[]>;
  /** Run host-side health checks (name → argv) once, as the profile's user. */
  checkHealth(p: ProfilePlan, checks: Record<string, string[]>): Promise<CheckResult[]>;
  /** The host's Nix store, for Nix commands that read it (closure sizes). */
  nixStore(): StoreTarget;
  close(): Promise<void>;
}
