/**
 * The host's own record of activations, one JSON line each, beside the
 * profile: what `deploy status` reads later. The deployer keeps no state.
 */
import { basename, join } from "../shared/posix_path.ts";
import type { Outcome } from "../wire/protocol.ts";
import { DeployError } from "../shared/errors.ts";
import { checkStateDir, ensureStateDir, stateDir } from "./lock.ts";
import { appendPrivate, readPrivate } from "./private_file.ts";
import { exists } from "./host_os.ts";

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
  refusingLinks(path, () => appendPrivate(path, `${JSON.stringify(record)}\n`));
}

function refusingLinks<T>(path: string, fn: () => T): T {
  try {
    return fn();
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
  if (!exists(dir) && !isLink(dir)) return [];
  checkStateDir(dir);
  const path = recordPath(profilePath);
  let text: string;
  try {
    text = refusingLinks(path, () => readPrivate(path));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
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
    return Deno.lstatSync(path).isSymlink;
  } catch {
    return false;
  }
}
