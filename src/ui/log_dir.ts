/**
 * `--log-dir DIR`: a full log per node and profile (`DIR/<node>.<profile>.log`),
 * and `DIR/deploy.log` for what belongs to no profile (evaluation, the build).
 * Each profile's log ends with where the host kept its own log of the run.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { DeployEvent, Reporter } from "./events.ts";
import { showEscaped } from "./host_text.ts";

export function logDirReporter(dir: string): Reporter {
  mkdirSync(dir, { recursive: true });
  const file = (e: { node?: string; profile?: string }) =>
    join(
      dir,
      e.node === undefined
        ? "deploy.log"
        : `${e.node}${e.profile === undefined ? "" : `.${e.profile}`}.log`.replaceAll("/", "_"),
    );
  // Shown escaped: a log read with cat or less must not steer the terminal.
  const write = (e: { node?: string; profile?: string }, text: string) =>
    appendFileSync(file(e), `${showEscaped(text)}\n`);
  return (e: DeployEvent) => {
    switch (e.type) {
      case "phase":
        write(e, `${e.time} phase ${e.phase}${e.message ? `: ${e.message}` : ""}`);
        return;
      case "log":
        write(e, `${e.time} ${e.source} | ${e.line}`);
        return;
      case "warning":
      case "error":
        write(e, `${e.time} ${e.type}: ${e.message}`);
        return;
      case "summary":
        for (const p of e.profiles) {
          write(p, `${e.time} result ${p.status}: ${p.message}`);
          if (p.runDir) {
            write(p, `${e.time} host-side log of this activation: ${p.runDir}/log (on ${p.node})`);
          }
        }
        write(
          {},
          `${e.time} summary: ${e.ok ? "every profile deployed" : "not every profile deployed"}`,
        );
        return;
    }
  };
}
