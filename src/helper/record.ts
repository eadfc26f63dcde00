/**
 * The host's own record of activations, one JSON line each, beside the
 * profile: what `deploy status` reads later. The deployer keeps no state.
 */
import {
  closeSync,
  constants,
  existsSync,
  lstatSync,
  openSync,
  readFileSync,
  writeSync,
} from "node:fs";
import { Buffer } from "node:buffer";
import { basename, join } from "node:path";
import type { Outcome } from "../wire/protocol.ts";
import { DeployError } from "../shared/errors.ts";
import { checkStateDir, ensureStateDir, stateDir } from "./lock.ts";

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

/** Append one record; a symbolic link planted in its place is refused (O_NOFOLLOW), never followed. */
export function appendRecord(record: ActivationRecord): void {
  ensureStateDir(record.profilePath);
  const path = recordPath(record.profilePath);
  const fd = openRecords(
    path,
    constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
  );
  try {
    const bytes = Buffer.from(`${JSON.stringify(record)}\n`);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
  } finally {
    closeSync(fd);
  }
}

function openRecords(path: string, flags: number): number {
  try {
    return openSync(path, flags, 0o600);
  } catch (e) {
    if ((e as { code?: string }).code === "ELOOP") {
      throw new DeployError(`${path} is a symbolic link; refusing to use it`, {}, { cause: e });
    }
    throw e;
  }
}

/** The records, oldest first; none while there are none. A symlink or a foreign state directory is refused. */
export function readRecords(profilePath: string): ActivationRecord[] {
  const dir = stateDir(profilePath);
  if (!existsSync(dir) && !isLink(dir)) return [];
  checkStateDir(dir);
  let fd: number;
  try {
    fd = openRecords(recordPath(profilePath), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return [];
    throw e;
  }
  let text: string;
  try {
    text = readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
  return text.split("\n").filter((l) => l.trim()).flatMap((l) => {
    try {
      return [JSON.parse(l) as ActivationRecord];
    } catch {
      return [];
    }
  });
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
