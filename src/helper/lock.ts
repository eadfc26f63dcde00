/**
 * One deployment at a time per profile: an exclusive `flock` on a file
 * beside the profile, held by the detached worker until the outcome is
 * final. The kernel drops the lock when its holder dies, so a stale lock is
 * simply free; the file's content only says who holds it.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { DeployError } from "../errors.ts";

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
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  if (!deno) {
    throw new DeployError("the on-host helper needs Deno (it takes a flock); run it with deno");
  }
  const path = lockPath(profilePath);
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  const file = await deno.open(path, { read: true, write: true, create: true, mode: 0o644 });
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
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

/** "deployer alice@laptop (pid 123) since 2026-11-25T13:00:00Z, run /tmp/deploy-ts-x" */
export function describeHolder(h: LockHolder | undefined): string {
  if (!h) return "another process";
  return `${h.deployer} (helper pid ${h.pid}) since ${
    new Date(h.since).toISOString()
  }, run ${h.runDir}`;
}
