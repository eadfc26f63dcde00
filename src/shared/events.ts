/**
 * What a deployment reports as it goes: phase changes, log lines, and a
 * final summary, each with node, profile and time. The progress view, the
 * plain lines and the JSON-lines stream (`--json`) are all renderings of
 * these events.
 */
import type { EventPhase, LogSource, ProfileStatus } from "./vocabulary.ts";

export type { EventPhase, LogSource, ProfilePhase, ProfileStatus } from "./vocabulary.ts";

export interface ProfileResult {
  node: string;
  profile: string;
  status: ProfileStatus;
  /** True when the new generation is in place (or a dry activation succeeded). */
  ok: boolean;
  message: string;
  previousGeneration?: number | null;
  newGeneration?: number | null;
  /** The host-side run directory (its log is there). */
  runDir?: string;
  /** The health check that kept failing, and the last it said. */
  failedCheck?: { name: string; output: string };
  /**
   * Set when the profile failed but its host is not back where it was:
   * `deciding` (contact was lost after the switch: the host rolls back by
   * itself unless confirmed), `new-generation` (putting it back failed).
   */
  hostLeft?: "deciding" | "new-generation";
}

/** Store paths and their NAR bytes. */
export interface Amount {
  paths: number;
  bytes: number;
}

export type DeployEvent =
  | {
    type: "phase";
    time: string;
    node?: string;
    profile?: string;
    phase: EventPhase;
    message?: string;
    /** The profile's wave in the rollout (src/deploy/waves.ts); absent on events about no profile. */
    wave?: number;
  }
  | {
    type: "log";
    time: string;
    node?: string;
    profile?: string;
    source: LogSource;
    line: string;
  }
  /**
   * How a node's closures reached it through a binary cache: what the host
   * fetched from the cache itself and what came over SSH; `fellBack` says
   * why anything came over SSH.
   */
  | {
    type: "transfer";
    time: string;
    node: string;
    /** The URL the host fetched from. */
    cache: string;
    fromCache: Amount;
    overSsh: Amount;
    fellBack?: string;
  }
  | { type: "warning"; time: string; node?: string; profile?: string; message: string }
  /** The run stopped before deploying (bad configuration, failed checks, …). */
  | { type: "error"; time: string; node?: string; profile?: string; message: string }
  | {
    type: "summary";
    time: string;
    ok: boolean;
    profiles: ProfileResult[];
    /** `--skip-health-checks` was given. */
    healthChecksSkipped?: boolean;
    /** The run was `deploy rollback`: the profiles went back to an earlier generation. */
    rollback?: boolean;
    /** The run was interrupted (SIGINT, SIGTERM): it exits 130 (143) after this summary. */
    interrupted?: boolean;
  };

export type DeployEventInput =
  | Omit<Extract<DeployEvent, { type: "phase" }>, "time">
  | Omit<Extract<DeployEvent, { type: "log" }>, "time">
  | Omit<Extract<DeployEvent, { type: "transfer" }>, "time">
  | Omit<Extract<DeployEvent, { type: "warning" }>, "time">
  | Omit<Extract<DeployEvent, { type: "error" }>, "time">
  | Omit<Extract<DeployEvent, { type: "summary" }>, "time">;

export type Reporter = (event: DeployEvent) => void;

/** Several renderings of the same events (e.g. the terminal view and --log-dir). */
export function fanOut(...reporters: Reporter[]): Reporter {
  return (event) => {
    for (const r of reporters) r(event);
  };
}

/** Stamp an event with the current time and hand it on. */
export function emitter(reporter: Reporter): (event: DeployEventInput) => void {
  return (event) => reporter({ ...event, time: new Date().toISOString() } as DeployEvent);
}
