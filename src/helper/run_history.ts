/**
 * Old run directories go once a run's outcome is final: the last few per
 * profile stay (for `wait` after a dropped connection, and for people
 * reading logs), older ones are removed. Only private run directories of
 * this user are ever removed (RunDir.open checks).
 */
import { basename, join } from "../shared/posix_path.ts";
import { ensureStateDir } from "./lock.ts";
import { RunDir } from "./run_dir.ts";

export const RUNS_KEPT = 3;

function historyPath(profilePath: string): string {
  return join(ensureStateDir(profilePath), `${basename(profilePath)}.runs`);
}

/** Note `runDir` as the profile's newest run and remove all but the last RUNS_KEPT. */
export function keepRecentRuns(profilePath: string, runDir: string): void {
  const path = historyPath(profilePath);
  let runs: string[] = [];
  try {
    runs = Deno.readTextFileSync(path).split("\n").filter((l) => l.trim());
  } catch {
    // No history yet.
  }
  runs = [...runs.filter((r) => r !== runDir), runDir];
  const old = runs.slice(0, -RUNS_KEPT);
  for (const r of old) {
    try {
      RunDir.open(r).remove();
    } catch {
      // Already gone, or not ours to remove.
    }
  }
  Deno.writeTextFileSync(path, `${runs.slice(-RUNS_KEPT).join("\n")}\n`, { mode: 0o600 });
}
