/**
 * `--log-dir DIR`: a full log per node and profile (`DIR/<node>.<profile>.log`),
 * and `DIR/deploy.log` for what belongs to no profile (evaluation, the build).
 * Each profile's log ends with where the host kept its own log of the run.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { DeployEvent, Reporter } from "../shared/events.ts";
import { showEscaped } from "./host_text.ts";
import { transferLine } from "./transfer_format.ts";

export function logDirReporter(dir: string): Reporter {
  // The logs hold host output (paths, service messages, whatever activation
  // printed): owner-only, whatever the umask, like the host keeps its own.
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Names may hold dots and slashes, so two of them can spell one file name
  // (node web.eu's system and node web's eu.system): a file belongs to the
  // first node and profile that used it, and the next gets `~2`, `~3`, ….
  const files = new Map<string, string>();
  const taken = new Set(["deploy.log"]);
  const file = (e: { node?: string; profile?: string }) => {
    if (e.node === undefined) return join(dir, "deploy.log");
    const key = JSON.stringify([e.node, e.profile ?? null]);
    let name = files.get(key);
    if (name === undefined) {
      const base = `${e.node}${e.profile === undefined ? "" : `.${e.profile}`}`.replaceAll(
        "/",
        "_",
      );
      name = `${base}.log`;
      for (let n = 2; taken.has(name); n++) name = `${base}~${n}.log`;
      taken.add(name);
      files.set(key, name);
    }
    return join(dir, name);
  };
  // Shown escaped: a log read with cat or less must not steer the terminal.
  const write = (e: { node?: string; profile?: string }, text: string) =>
    appendFileSync(file(e), `${showEscaped(text)}\n`, { mode: 0o600 });
  return (e: DeployEvent) => {
    switch (e.type) {
      case "phase":
        write(e, `${e.time} phase ${e.phase}${e.message ? `: ${e.message}` : ""}`);
        return;
      case "log":
        write(e, `${e.time} ${e.source} | ${e.line}`);
        return;
      case "transfer":
        write(e, `${e.time} ${transferLine(e)}`);
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
