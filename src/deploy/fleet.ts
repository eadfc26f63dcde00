/**
 * The fleet as the commands that look at or act on what is already deployed
 * (status, diff, rollback, check) reach it: log in to every selected host
 * once, in parallel, make sure deploy-ts's package is there, and hand each
 * profile its Host; what failed for a profile is that profile's result.
 */
import type { ProfilePlan } from "../config/plan.ts";
import { type LocalStore, nixLocalStore } from "../nix/local_store.ts";
import type { DeployEventInput } from "../shared/events.ts";
import type { Host } from "../host/host.ts";
import { mapLimit } from "./limit.ts";
import { groupByNode } from "../plan/node_groups.ts";
import { deployerName } from "../host/deployer_name.ts";
import { helperHosts, type HostFactory, HostSessions } from "../host/sessions.ts";

export interface OnHostsOptions {
  plan: ProfilePlan[];
  jobs: number;
  checkSigs: boolean;
  passwords: Map<string, string>;
  emit?: (event: DeployEventInput) => void;
  local?: LocalStore;
  hosts?: HostFactory;
}

/** Run `fn` for each profile (profiles of a node in order, nodes in parallel); errors become results. */
export async function onHosts<R>(
  o: OnHostsOptions,
  fn: (p: ProfilePlan, host: Host) => Promise<R>,
): Promise<Map<ProfilePlan, R | Error>> {
  const helper = await (o.local ?? nixLocalStore).helperPackage();
  const sessions = new HostSessions(
    o.hosts ?? helperHosts({ package: helper, deployer: deployerName(), passwords: o.passwords }),
  );
  const results = new Map<ProfilePlan, R | Error>();
  try {
    // A host's login closes when its node is done (see host/sessions.ts).
    await mapLimit(
      groupByNode(o.plan),
      o.jobs,
      sessions.holding(async ({ profiles }) => {
        for (const p of profiles) {
          try {
            const host = await sessions.login(p);
            if (host instanceof Error) throw host;
            await sessions.ensureHelper(p, host, helper, o.checkSigs);
            results.set(p, await fn(p, host));
          } catch (e) {
            results.set(p, e instanceof Error ? e : new Error(String(e)));
          }
        }
      }),
    );
  } finally {
    await sessions.closeAll();
  }
  return results;
}
