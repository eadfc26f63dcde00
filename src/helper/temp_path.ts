/**
 * Whether `tempPath` is safe to hold a run directory, checked the way
 * OpenSSH checks the paths of its keys: every component from / down must be
 * a real directory (no symbolic link), owned by root or by the profile's
 * user, and not writable by group or others unless sticky. Otherwise its
 * owner could swap our private run directory for one of their own and
 * steer root's writes or fake a confirmation.
 */
import { lstatSync, mkdirSync, readFileSync, type Stats } from "node:fs";
import { userInfo } from "node:os";
import { DeployError } from "../shared/errors.ts";

const STICKY = 0o1000;

/** Why `st` (at `path`) may not hold a run directory of user `uid`, or undefined when it may. */
export function unsafeReason(path: string, st: Stats, uid: number): string | undefined {
  if (st.isSymbolicLink()) return `${path} is a symbolic link`;
  if (!st.isDirectory()) return `${path} is not a directory`;
  if (st.uid !== 0 && st.uid !== uid) return `${path} is owned by ${userName(st.uid)}`;
  if ((st.mode & 0o022) !== 0 && (st.mode & STICKY) === 0) {
    return `${path} is writable by others (mode ${(st.mode & 0o7777).toString(8)}, not sticky)`;
  }
  return undefined;
}

/** Check `tempPath` and each of its ancestors, creating missing directories mode 0700. */
export function ensureSafeTempPath(tempPath: string): void {
  if (!tempPath.startsWith("/")) {
    throw new DeployError(`tempPath ${tempPath} is not an absolute path; nothing was changed`);
  }
  const uid = process.getuid?.() ?? userInfo().uid;
  const parts = tempPath.split("/").filter(Boolean);
  let path = "";
  for (const part of ["", ...parts]) {
    path = part === "" ? "/" : `${path === "/" ? "" : path}/${part}`;
    if (part === "." || part === "..") {
      throw new DeployError(`tempPath ${tempPath} contains '${part}'; nothing was changed`);
    }
    let st: Stats;
    try {
      st = lstatSync(path);
    } catch (e) {
      if ((e as { code?: string }).code !== "ENOENT") throw e;
      mkdirSync(path, { mode: 0o700 });
      st = lstatSync(path);
    }
    const why = unsafeReason(path, st, uid);
    if (why) throw new DeployError(`unsafe tempPath: ${why}; nothing was changed`);
  }
}

function userName(uid: number): string {
  try {
    const entry = readFileSync("/etc/passwd", "utf8").split("\n").map((l) => l.split(":"))
      .find((f) => f[2] === String(uid));
    return entry?.[0] || `uid ${uid}`;
  } catch {
    return `uid ${uid}`;
  }
}
