/**
 * The durable mark of a run whose outcome is not final yet, beside the
 * profile's lock. The worker writes it before it touches the profile and
 * clears it once the outcome is final (confirmed, or rolled back). If the
 * worker dies in between (SIGKILL, the OOM killer, a reboot), the mark
 * stays, and the next helper run on the profile that can take the lock
 * knows the worker is gone and rolls the run back (see recover.ts).
 */
import {
  closeSync,
  constants,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { Buffer } from "node:buffer";
import { basename, join } from "node:path";
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
  const dir = ensureStateDir(profilePath);
  const path = pendingPath(profilePath);
  const tmp = `${path}.tmp`;
  rmSync(tmp, { force: true });
  const fd = openSync(
    tmp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    const bytes = Buffer.from(JSON.stringify(run));
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  syncDir(dir);
}

export function readPending(profilePath: string): PendingRun | undefined {
  try {
    const fd = openSync(pendingPath(profilePath), constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      return JSON.parse(readFileSync(fd, "utf8"));
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

export function clearPending(profilePath: string): void {
  rmSync(pendingPath(profilePath), { force: true });
  syncDir(stateDir(profilePath));
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, constants.O_RDONLY);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not every platform syncs a directory; the rename is still atomic.
  }
}
