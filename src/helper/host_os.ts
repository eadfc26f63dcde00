/**
 * The helper's process and user, on Deno's own APIs: the helper always runs
 * under Deno, and a `node:` module (or the `process` global) would set up
 * Deno's Node compatibility, which costs every helper start about as much as
 * Deno itself (README, "What a deployment costs a host").
 */
import { join } from "../shared/posix_path.ts";

/** This process's user id (undefined where the platform has none). */
export function uid(): number | undefined {
  return Deno.uid() ?? undefined;
}

/** This process's id. */
export const pid: number = Deno.pid;

/** An environment variable of this process. */
export function env(name: string): string | undefined {
  return Deno.env.get(name);
}

/** The whole environment, for a child that inherits it with additions. */
export function environment(): Record<string, string> {
  return Deno.env.toObject();
}

export interface UserInfo {
  username: string;
  homedir: string;
  uid: number;
}

let me: UserInfo | undefined;

/**
 * Who this process runs as: its passwd entry. From /etc/passwd, where
 * almost every host has its local users; a user only the name service
 * knows (LDAP, systemd's dynamic users) is asked of Node's os.userInfo,
 * which calls getpwuid_r, so the answer is always the system's.
 */
export function userInfo(): UserInfo {
  if (me) return me;
  const id = uid() ?? 0;
  me = passwdEntry(id) ?? nodeUserInfo();
  return me;
}

function passwdEntry(id: number): UserInfo | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync("/etc/passwd");
  } catch {
    return undefined;
  }
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f.length >= 7 && f[2] === String(id) && f[0] !== "" && !f[0].startsWith("+")) {
      return { username: f[0], homedir: f[5], uid: id };
    }
  }
  return undefined;
}

function nodeUserInfo(): UserInfo {
  const os = (globalThis as unknown as {
    process: { getBuiltinModule(id: "node:os"): typeof import("node:os") };
  }).process.getBuiltinModule("node:os");
  const u = os.userInfo();
  return { username: u.username, homedir: u.homedir, uid: u.uid };
}

/** A user's name by id, for messages; `uid N` when none is known. */
export function userName(id: number): string {
  return passwdEntry(id)?.username || `uid ${id}`;
}

/** Whether process `id` exists (signal 0: someone else's process counts too). */
export function pidAlive(id: number): boolean {
  try {
    Deno.kill(id, 0);
    return true;
  } catch (e) {
    return e instanceof Deno.errors.PermissionDenied;
  }
}

/** existsSync: the path, links followed, is there. */
export function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The file named `name` in a directory of PATH, if any (as existsSync(join(dir, name)) found it). */
export function findInPath(name: string): string | undefined {
  return (env("PATH") ?? "").split(":").filter((d) => d !== "").map((d) => join(d, name))
    .find(exists);
}
