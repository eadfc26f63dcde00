/**
 * The host's own record of activations, one JSON line each, beside the
 * profile: what `deploy status` reads later. The deployer keeps no state.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Outcome } from "./protocol.ts";
import { ensureStateDir, stateDir } from "./lock.ts";

export interface ActivationRecord {
  /** ISO time the outcome became final. */
  time: string;
  profilePath: string;
  closure: string;
  deployer: string;
  outcome: Outcome;
  message: string;
  previousGeneration: number | null;
  newGeneration: number | null;
  activeGeneration: number | null;
  runDir: string;
}

export function recordPath(profilePath: string): string {
  return join(stateDir(profilePath), `${basename(profilePath)}.records.jsonl`);
}

export function appendRecord(record: ActivationRecord): void {
  ensureStateDir(record.profilePath);
  appendFileSync(recordPath(record.profilePath), `${JSON.stringify(record)}\n`, { mode: 0o600 });
}

export function readRecords(profilePath: string): ActivationRecord[] {
  try {
    return readFileSync(recordPath(profilePath), "utf8").split("\n").filter((l) => l.trim())
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as ActivationRecord];
        } catch {
          return [];
        }
      });
  } catch {
    return [];
  }
}
