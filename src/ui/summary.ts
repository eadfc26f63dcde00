/** The table at the end of a deployment: every profile and how it ended. */
import type { ProfileResult, ProfileStatus } from "../shared/events.ts";
import { counted } from "./counted.ts";
import { showEscaped } from "./host_text.ts";

const WORDS: Record<ProfileStatus, string> = {
  confirmed: "confirmed",
  activated: "activated",
  "dry-activated": "dry-activated",
  "activated-for-boot": "set for boot",
  "rolled-back": "rolled back",
  revoked: "revoked",
  failed: "FAILED",
  skipped: "skipped",
};

export function formatSummary(
  results: readonly ProfileResult[],
  o: { healthChecksSkipped?: boolean; rollback?: boolean; interrupted?: boolean } = {},
): string {
  const names = results.map((r) => `${r.node}.${r.profile}`);
  const width = Math.max(...names.map((n) => n.length), 7);
  const lines = results.map((r, i) => {
    const first = showEscaped(r.message.split("\n")[0]);
    return `  ${names[i].padEnd(width)}  ${WORDS[r.status].padEnd(13)}  ${first}`;
  });
  const ok = results.filter((r) => r.ok).length;
  const done = o.rollback
    ? "rolled back"
    : results.length > 0 && results.every((r) => r.status === "dry-activated")
    ? "dry-activated (nothing was changed)"
    : "deployed";
  const verdict = ok === results.length
    ? `${counted(results.length, "profile")} ${done}`
    : `${ok} of ${counted(results.length, "profile")} ${done}; ${results.length - ok} not`;
  const interrupted = o.interrupted
    ? "interrupted: hosts mid-activation decide by themselves, as each line says\n"
    : "";
  const skipped = o.healthChecksSkipped
    ? "health checks were skipped (--skip-health-checks)\n"
    : "";
  return `${lines.join("\n")}\n${verdict}\n${interrupted}${skipped}`;
}
