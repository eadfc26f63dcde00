/**
 * What a confirmed run's secrets replaced, on its host: kept in the run's
 * private directory only while a revoke may still put it back
 * (`stop-and-revoke`, a later profile may fail), and dropped by the
 * deployer once the deployment is over — after the last wave and any
 * revoke, whatever the outcome. The node's login closed when it was done:
 * this logs in again, at most --jobs at once. A drop that fails is a
 * warning naming node and profile and changes no outcome; a deployer
 * interrupted before leaves it to the profile's next run, which deletes it.
 */
import type { ProfilePlan } from "../config/plan.ts";
import type { DeployEventInput, ProfileResult } from "../shared/events.ts";
import type { ActivationGoal } from "../shared/vocabulary.ts";
import type { HostSessions } from "../host/sessions.ts";
import { groupByNode } from "../plan/node_groups.ts";
import { mapLimit } from "./limit.ts";

interface RunShape {
  goal: ActivationGoal;
  onFailure: "stop" | "stop-and-revoke" | "keep-going";
  plan: readonly ProfilePlan[];
}

/**
 * Whether a profile's run keeps what its secrets replace after a confirmed
 * outcome: only when a revoke of it can follow (`stop-and-revoke`, a real
 * activation, autoRollback, and another profile in the run that may fail).
 */
export function keepsSecretBackups(p: ProfilePlan, o: RunShape): boolean {
  return o.onFailure === "stop-and-revoke" && o.goal !== "dry-activate" &&
    p.settings.autoRollback && o.plan.length > 1 && Object.keys(p.settings.secrets).length > 0;
}

/** The deployment is over: every run that kept its secrets' backups drops them. */
export async function dropKeptSecretBackups(
  results: readonly ProfileResult[],
  o: RunShape & { jobs: number },
  sessions: HostSessions,
  emit: (event: DeployEventInput) => void,
): Promise<void> {
  const runDirs = new Map<ProfilePlan, string>();
  for (const [i, p] of o.plan.entries()) {
    const r = results[i];
    // A revoked run put them back and deleted them; a rolled-back one too.
    const kept = r?.runDir !== undefined && (r.ok || r.hostLeft === "new-generation");
    if (kept && keepsSecretBackups(p, o)) runDirs.set(p, r.runDir!);
  }
  const dropNode = sessions.holding(async ({ profiles }: { profiles: ProfilePlan[] }) => {
    for (const p of profiles) {
      const host = await sessions.login(p);
      try {
        if (host instanceof Error) throw host;
        await host.dropSecretBackups(p, runDirs.get(p)!);
      } catch (e) {
        emit({
          type: "warning",
          node: p.node,
          profile: p.profile,
          message: `what the secrets replaced stays in ${runDirs.get(p)} until the profile's ` +
            `next run: ${e instanceof Error ? e.message : e}`,
        });
      }
    }
  });
  await mapLimit(groupByNode([...runDirs.keys()]), o.jobs, dropNode);
}
