/**
 * For commands that look at or act on profiles that are already deployed
 * (status, rollback, diff): log in to every selected host once, in parallel,
 * make sure deploy-ts's package is there, and give each profile a helper
 * context.
 */
import type { ProfilePlan } from "../config/plan.ts";
import { selfPackage } from "../nix/self_package.ts";
import type { DeployEventInput } from "../ui/events.ts";
import { mapLimit } from "./limit.ts";
import { groupByNode } from "./pipeline.ts";
import { deployerName, type HelperContext } from "./remote_helper.ts";
import { type Connect, HostSessions } from "./sessions.ts";

export interface OnHostsOptions {
  plan: ProfilePlan[];
  jobs: number;
  checkSigs: boolean;
  passwords: Map<string, string>;
  emit?: (event: DeployEventInput) => void;
  connect?: Connect;
}

/** Run `fn` for each profile (profiles of a node in order, nodes in parallel); errors become results. */
export async function onHosts<R>(
  o: OnHostsOptions,
  fn: (p: ProfilePlan, ctx: HelperContext) => Promise<R>,
): Promise<Map<ProfilePlan, R | Error>> {
  const helper = await selfPackage();
  const sessions = new HostSessions(o.connect);
  const deployer = deployerName();
  const results = new Map<ProfilePlan, R | Error>();
  try {
    await mapLimit(groupByNode(o.plan), o.jobs, async ({ profiles }) => {
      for (const p of profiles) {
        try {
          const t = await sessions.login(p);
          if (t instanceof Error) throw t;
          await sessions.ensureHelper(p, t, helper, o.checkSigs);
          results.set(
            p,
            await fn(p, {
              transport: t,
              helper,
              deployer,
              password: o.passwords.get(p.node),
              onLog: (line, source) =>
                o.emit?.({ type: "log", node: p.node, profile: p.profile, source, line }),
              onPhase: (phase, message) =>
                o.emit?.({ type: "phase", node: p.node, profile: p.profile, phase, message }),
            }),
          );
        } catch (e) {
          results.set(p, e instanceof Error ? e : new Error(String(e)));
        }
      }
    });
  } finally {
    await sessions.closeAll();
  }
  return results;
}
