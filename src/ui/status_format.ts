/** The text of `deploy status`: a table of what each host runs, then the runs this look rolled back. */

import type { ProfileStatusReport } from "../deploy/status.ts";

export function formatStatus(reports: readonly ProfileStatusReport[]): string {
  const rows = reports.map((r) => [
    `${r.node}.${r.profile}`,
    r.error ? "?" : r.generation === null ? "-" : String(r.generation),
    r.error
      ? ""
      : r.deployedAt
      ? r.deployedAt.replace("T", " ").replace(/\.\d+Z$/, "Z")
      : "not by deploy-ts",
    r.deployer ?? "",
    r.error
      ? `error: ${r.error}`
      : r.generation === null
      ? "not deployed"
      : r.matchesFlake
      ? "up to date"
      : "differs from the flake",
  ]);
  const head = ["PROFILE", "GEN", "DEPLOYED", "BY", "STATE"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const table = [head, ...rows].map((r) =>
    r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  ").trimEnd()
  );
  const recovered = reports.filter((r) => r.recovered).map((r) =>
    `${r.node}.${r.profile}: rolled back just now: ${r.recovered}`
  );
  return [...table, ...(recovered.length ? ["", ...recovered] : [])].join("\n") + "\n";
}
