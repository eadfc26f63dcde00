/**
 * Plain lines, for logs and pipes: each prefixed with node and profile.
 * Build output from Nix is never hidden (deploy-rs #386, #398).
 */
import type { DeployEvent, Reporter } from "./events.ts";
import { formatSummary } from "./summary.ts";

export function plainReporter(write: (text: string) => void): Reporter {
  const where = (e: { node?: string; profile?: string }) =>
    e.node === undefined
      ? "[deploy]"
      : `[${e.node}${e.profile === undefined ? "" : `.${e.profile}`}]`;
  return (e: DeployEvent) => {
    switch (e.type) {
      case "phase":
        if (e.phase === "queued") return;
        if (e.node === undefined) {
          write(`[deploy] ${e.phase}${e.message ? ` ${e.message}` : ""}\n`);
          return;
        }
        write(`${where(e)} ${e.phase}${e.message ? `: ${e.message}` : ""}\n`);
        return;
      case "log":
        write(`${e.node === undefined && e.source === "nix" ? "[nix]" : where(e)} ${e.line}\n`);
        return;
      case "warning":
        write(`${where(e)} warning: ${e.message}\n`);
        return;
      case "error":
        return;
      case "summary":
        write(`\n${formatSummary(e.profiles)}`);
        return;
    }
  };
}
