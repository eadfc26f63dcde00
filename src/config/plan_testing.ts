/** For unit tests: a profile plan with deploy-rs's defaults, root on both ends. */
import type { ProfilePlan } from "./plan.ts";
import { DEFAULTS } from "./settings.ts";

export function planOf(
  node: string,
  o: {
    profile?: string;
    wave?: number;
    tags?: string[];
    path?: string;
    settings?: Partial<ProfilePlan["settings"]>;
  } = {},
): ProfilePlan {
  const profile = o.profile ?? "system";
  return {
    repo: ".",
    node,
    profile,
    hostname: node,
    path: o.path ?? `/nix/store/${node}-${profile}`,
    wave: o.wave ?? 0,
    tags: o.tags ?? [],
    settings: { ...DEFAULTS, sshUser: "root", user: "root", ...o.settings },
  };
}
