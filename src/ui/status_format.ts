/**
 * The text of `deploy status`: a table of what each host runs, then the
 * last attempts that did not make what is active, and the runs this look
 * rolled back.
 */

import type { ProfileStatusReport } from "../deploy/status.ts";

const when = (iso: string) => iso.replace("T", " ").replace(/\.\d+Z$/, "Z");

function stateText(r: ProfileStatusReport): string {
  switch (r.state) {
    case "error":
      return `error: ${r.error}`;
    case "not-deployed":
      return "not deployed";
    case "pending": {
      const p = r.pending!;
      return p.phase === "awaiting-confirmation" && p.rollsBackAt
        ? `pending: awaiting confirmation, rolls back at ${when(p.rollsBackAt)} unless confirmed`
        : `pending: ${p.phase ?? "starting"} (by ${p.deployer}, since ${when(p.since)})`;
    }
    case "set-for-boot":
      return r.running
        ? `set for the next boot; running ${r.running}`
        : "set for the next boot (--boot); what runs may be older";
    case "up-to-date":
      return "up to date";
    case "differs":
      return "differs from the flake";
  }
}

export function formatStatus(reports: readonly ProfileStatusReport[]): string {
  const rows = reports.map((r) => [
    `${r.node}.${r.profile}`,
    r.error ? "?" : r.generation === null ? "-" : String(r.generation),
    r.error
      ? ""
      : r.deployedAt
      ? when(r.deployedAt)
      : r.pending
      ? "(pending)"
      : r.generation === null
      ? ""
      : "not by deploy-ts",
    r.deployer ?? r.pending?.deployer ?? "",
    stateText(r),
  ]);
  const head = ["PROFILE", "GEN", "DEPLOYED", "BY", "STATE"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const table = [head, ...rows].map((r) =>
    r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  ").trimEnd()
  );
  // The last attempt, when it is not the record of what is active (rolled back, failed, …).
  const attempts = reports.filter((r) => r.lastAttempt && r.lastAttempt.time !== r.deployedAt)
    .map((r) => {
      const a = r.lastAttempt!;
      return `${r.node}.${r.profile}: last attempt ${when(a.time)} by ${a.deployer}: ` +
        `${a.outcome}: ${a.message.split("\n")[0]}`;
    });
  const recovered = reports.filter((r) => r.recovered).map((r) =>
    `${r.node}.${r.profile}: rolled back just now: ${r.recovered}`
  );
  const secrets = reports.flatMap((r) =>
    r.secrets.map((s) =>
      `${r.node}.${r.profile}: secret ${s.secret} (${s.path}): ${
        s.state === "present"
          ? "present with its declared owner and mode"
          : s.state === "differs"
          ? `present, but ${s.found} (not as declared)`
          : s.state === "absent"
          ? "absent"
          : `cannot be looked at: ${s.found}`
      }`
    )
  );
  const notes = [...attempts, ...recovered, ...secrets];
  return [...table, ...(notes.length ? ["", ...notes] : [])].join("\n") + "\n";
}
