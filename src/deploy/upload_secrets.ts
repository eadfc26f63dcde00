/**
 * `deploy secrets [targets]` (colmena's upload-keys): write the selected
 * profiles' secrets now, without deploying. Every value is read first, on
 * the deployer: a node with a secret that cannot be read is not contacted.
 * On each host the helper writes a profile's secrets all or none.
 */
import type { ProfilePlan } from "../config/plan.ts";
import type { SecretUpload } from "../shared/secrets.ts";
import { onHosts, type OnHostsOptions } from "./fleet.ts";
import { readSecretValues, type SecretSources } from "./secret_values.ts";

/** How one profile's secrets went (the `--json` shape, too). */
export interface SecretsReport {
  node: string;
  profile: string;
  ok: boolean;
  message: string;
  /** What the host did, a line per secret: written, or put back after a failure. */
  lines: string[];
}

export async function uploadProfileSecrets(o: OnHostsOptions): Promise<SecretsReport[]> {
  const withSecrets = o.plan.filter((p) => Object.keys(p.settings.secrets).length > 0);
  const values = new Map<ProfilePlan, SecretUpload[]>();
  const unread = new Map<string, string>();
  const sources: SecretSources = new Map();
  for (const p of withSecrets) {
    if (unread.has(p.node)) continue;
    try {
      values.set(p, await readSecretValues(p, undefined, sources));
    } catch (e) {
      unread.set(p.node, (e as { describe?: () => string }).describe?.() ?? String(e));
    }
  }
  const reachable = withSecrets.filter((p) => !unread.has(p.node));
  const done = await onHosts(
    { ...o, plan: reachable },
    (p, host) => host.uploadSecrets(p, values.get(p)!),
  );
  return withSecrets.map((p) => {
    const where = { node: p.node, profile: p.profile };
    const why = unread.get(p.node);
    if (why !== undefined) return { ...where, ok: false, message: why, lines: [] };
    const r = done.get(p)!;
    return r instanceof Error
      ? { ...where, ok: false, message: r.message, lines: [] }
      : { ...where, ...r };
  });
}

/** The reports as lines for people. */
export function formatSecretsReports(reports: readonly SecretsReport[]): string {
  if (reports.length === 0) return "no selected profile has secrets\n";
  return reports.map((r) =>
    [
      `${r.node}.${r.profile}: ${r.ok ? "" : "FAILED: "}${r.message}`,
      ...r.lines.map((l) => `  ${l}`),
    ].join("\n")
  ).join("\n") + "\n";
}
