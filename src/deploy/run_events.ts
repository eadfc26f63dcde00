/**
 * A run's events on their way out: each phase event of a profile gets its
 * wave, and what each profile's latest phase was is kept, so that an
 * interrupted run can say where every profile stood.
 */
import type { ProfilePlan } from "../config/plan.ts";
import type { DeployEventInput } from "../shared/events.ts";
import type { LivePhase } from "./interrupted.ts";

const keyOf = (p: { node: string; profile: string }) => JSON.stringify([p.node, p.profile]);

export class RunEvents {
  readonly #waveOf = new Map<string, number>();
  readonly #live = new Map<string, LivePhase>();

  constructor(waves: readonly ProfilePlan[][], readonly out: (event: DeployEventInput) => void) {
    for (const p of waves.flat()) this.#waveOf.set(keyOf(p), p.wave);
  }

  emit = (e: DeployEventInput): void => {
    if (e.type !== "phase" || e.node === undefined || e.profile === undefined) return this.out(e);
    const key = keyOf({ node: e.node, profile: e.profile });
    if (e.phase !== "checking" && e.phase !== "evaluating") {
      const was = this.#live.get(key);
      this.#live.set(key, {
        phase: e.phase,
        // The deployer sees the window open when the host says so: close enough to say when it ends.
        windowSince: was?.windowSince ?? (e.phase === "confirming" ? Date.now() : undefined),
      });
    }
    const wave = this.#waveOf.get(key);
    this.out(wave === undefined ? e : { ...e, wave });
  };

  /** Where a profile stands now, as its last phase event said. */
  live(p: ProfilePlan): LivePhase | undefined {
    return this.#live.get(keyOf(p));
  }
}
