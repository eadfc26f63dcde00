/**
 * One deployment at a time per profile: an exclusive `flock` on a file
 * beside the profile, held by the detached worker until the outcome is
 * final. The kernel drops the lock when its holder dies, so a stale lock is
 * simply free; the file's content only says who holds it, and is cleared on
 * release. The state directory is 0700 and the lock 0600: `flock` works on a
 * read-only descriptor, so a lock others can open is a lock others can hold.
 */
import { basename, dirname, join } from "../shared/posix_path.ts";
import { DeployError } from "../shared/errors.ts";
import { denoRuntime } from "../process/runtime.ts";
import { pidAlive, uid as helperUid } from "./host_os.ts";

// Where it was: follow.ts and others import it from here.
export { pidAlive } from "./host_os.ts";

export interface LockHolder {
  deployer: string;
  pid: number;
  /** Epoch milliseconds. */
  since: number;
  runDir: string;
}

export interface ProfileLock {
  release(): void;
}

/** The directory beside a profile where deploy-ts keeps its lock and records. */
export function stateDir(profilePath: string): string {
  return join(dirname(profilePath), ".deploy-ts");
}

/** Create the state directory 0700, or check an existing one and make it private. */
export function ensureStateDir(profilePath: string): string {
  const dir = stateDir(profilePath);
  Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
  checkStateDir(dir);
  return dir;
}

/**
 * Refuse a state directory someone else could have written into (its lock,
 * pending mark and records decide rollbacks, as root): a symbolic link, one
 * owned by another user than the helper's, or one writable by group or
 * others. An older deploy-ts's 0755 directory of ours is made 0700.
 */
export function checkStateDir(dir: string): void {
  const st = Deno.lstatSync(dir);
  const uid = helperUid();
  const refuse = (why: string) => {
    throw new DeployError(
      `the state directory ${dir} ${why}; refusing to use it (it holds the profile's lock and ` +
        `records: check who made it, then remove it or make it a directory of uid ${uid} with ` +
        `mode 0700)`,
    );
  };
  if (st.isSymlink) refuse("is a symbolic link");
  if (!st.isDirectory) refuse("is not a directory");
  if (uid !== undefined && st.uid !== uid) {
    refuse(`is owned by uid ${st.uid}, not by uid ${uid} that the helper runs as`);
  }
  const mode = st.mode ?? 0o700;
  if (mode & 0o022) {
    refuse(`is writable by its group or others (mode 0${(mode & 0o777).toString(8)})`);
  }
  if ((mode & 0o777) !== 0o700) Deno.chmodSync(dir, 0o700);
}

function makePrivate(path: string, mode: number): void {
  const st = Deno.lstatSync(path);
  if (st.isSymlink) throw new DeployError(`${path} is a symbolic link; refusing to use it`);
  if (((st.mode ?? mode) & 0o777) !== mode && st.uid === helperUid()) Deno.chmodSync(path, mode);
}

export function lockPath(profilePath: string): string {
  return join(stateDir(profilePath), `${basename(profilePath)}.lock`);
}

export type LockResult = { lock: ProfileLock } | { heldBy: LockHolder | undefined };

/** Try to take the profile's lock, giving up at once (after `waitMs`) if someone holds it. */
export async function tryLockProfile(
  profilePath: string,
  holder: LockHolder,
  waitMs = 300,
): Promise<LockResult> {
  const deno = denoRuntime;
  if (!deno) {
    throw new DeployError("the on-host helper needs Deno (it takes a flock); run it with deno");
  }
  ensureStateDir(profilePath);
  const path = lockPath(profilePath);
  const file = await deno.open(path, { read: true, write: true, create: true, mode: 0o600 });
  makePrivate(path, 0o600);
  // Deno has no non-blocking flock: race the blocking one against a timer.
  // If the timer wins, this process gives up and exits soon, which cancels it.
  const locked = await Promise.race([
    file.lock(true).then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), waitMs)),
  ]);
  if (!locked) return { heldBy: readHolder(path) };
  await file.truncate(0);
  await file.write(new TextEncoder().encode(JSON.stringify(holder)));
  return {
    lock: {
      release() {
        try {
          // Nobody holds it now: leave no holder behind for a later refusal to name.
          file.truncateSync(0);
        } catch {
          // Best effort (a full disk cannot stop a truncate, but be sure).
        }
        try {
          file.unlockSync();
        } finally {
          file.close();
        }
      },
    },
  };
}

function readHolder(path: string): LockHolder | undefined {
  try {
    return JSON.parse(Deno.readTextFileSync(path));
  } catch {
    return undefined;
  }
}

/**
 * "deployer alice@laptop (helper pid 123) since 2026-11-25T13:00:00Z, run /tmp/deploy-ts-x";
 * a recorded holder whose process is gone is said to be gone (someone else holds the lock).
 */
export function describeHolder(
  h: LockHolder | undefined,
  alive: (pid: number) => boolean = pidAlive,
): string {
  if (!h || typeof h.pid !== "number") return "another process";
  if (!alive(h.pid)) {
    return `another process (the last recorded holder, ${h.deployer} (helper pid ${h.pid}, no longer running), is gone)`;
  }
  return `${h.deployer} (helper pid ${h.pid}) since ${
    new Date(h.since).toISOString()
  }, run ${h.runDir}`;
}
