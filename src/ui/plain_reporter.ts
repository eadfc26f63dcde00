/**
 * Plain lines, for logs and pipes: each prefixed with node and profile.
 * Build output from Nix is never hidden (deploy-rs #386, #398); control
 * characters from hosts are shown escaped.
 */
import type { DeployEvent, Reporter } from "../shared/events.ts";
import { formatSummary } from "./summary.ts";
import { showEscaped } from "./host_text.ts";
import { fallbackNote, type TransferEvent, transferLine } from "./transfer_format.ts";

export function plainReporter(output: (text: string) => void): Reporter {
  // Nothing here draws escape sequences of its own: everything is shown escaped.
  const write = (text: string) => output(showEscaped(text));
  const where = (e: { node?: string; profile?: string }) =>
    e.node === undefined
      ? "[deploy]"
      : `[${e.node}${e.profile === undefined ? "" : `.${e.profile}`}]`;
  const transfers: TransferEvent[] = [];
  return (e: DeployEvent) => {
    switch (e.type) {
      case "transfer":
        transfers.push(e);
        write(`${where(e)} ${transferLine(e)}\n`);
        return;
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
        write(`\n${formatSummary(e.profiles, e)}${fallbackNote(transfers)}`);
        return;
    }
  };
}
