/**
 * The durable mark of a run whose outcome is not final yet, beside the
 * profile's lock. The worker writes it before it touches the profile and
 * clears it once the outcome is final (confirmed, or rolled back). If the
 * worker dies in between (SIGKILL, the OOM killer, a reboot), the mark
 * stays, and the next helper run on the profile that can take the lock
 * knows the worker is gone and rolls the run back (see recover.ts).
 */
import { readPrivate, removeIfThere, replacePrivate, syncDirectory } from "./private_file.ts";
import { basename, join } from "../shared/posix_path.ts";
import { ensureStateDir, stateDir } from "./lock.ts";

export interface PendingRun {
  runDir: string;
  pid: number;
  deployer: string;
  closure: string;
  /** The generation to return to; null: the profile did not exist before the run. */
  previousGeneration: number | null;
  /** The generations that existed before the run: only others may be deleted. */
  before: number[];
  boot: boolean;
  activationTimeout?: number;
  /** Epoch milliseconds, for people. */
  since: number;
}

export function pendingPath(profilePath: string): string {
  return join(stateDir(profilePath), `${basename(profilePath)}.pending.json`);
}

/** Write the mark and make it durable (file and directory synced) before the profile changes. */
export function writePending(profilePath: string, run: PendingRun): void {
  ensureStateDir(profilePath);
  replacePrivate(pendingPath(profilePath), JSON.stringify(run), { durable: true });
}

export function readPending(profilePath: string): PendingRun | undefined {
  try {
    return JSON.parse(readPrivate(pendingPath(profilePath)));
  } catch {
    return undefined;
  }
}

export function clearPending(profilePath: string): void {
  removeIfThere(pendingPath(profilePath));
  syncDirectory(stateDir(profilePath));
}
