/**
 * Whether `tempPath` is safe to hold a run directory, checked the way
 * OpenSSH checks the paths of its keys: every component from / down must be
 * a real directory (no symbolic link), owned by root or by the profile's
 * user, and not writable by group or others unless sticky. Otherwise its
 * owner could swap our private run directory for one of their own and
 * steer root's writes or fake a confirmation.
 */
import { DeployError } from "../shared/errors.ts";
import { uid as helperUid, userInfo, userName } from "./host_os.ts";

/** What is looked at of a path (Deno.FileInfo has it). */
export type PathFacts = Pick<Deno.FileInfo, "isSymlink" | "isDirectory" | "uid" | "mode">;

const STICKY = 0o1000;

/** Why `st` (at `path`) may not hold a run directory of user `uid`, or undefined when it may. */
export function unsafeReason(path: string, st: PathFacts, uid: number): string | undefined {
  if (st.isSymlink) return `${path} is a symbolic link`;
  if (!st.isDirectory) return `${path} is not a directory`;
  const owner = st.uid ?? uid;
  if (owner !== 0 && owner !== uid) return `${path} is owned by ${userName(owner)}`;
  const mode = st.mode ?? 0o700;
  if ((mode & 0o022) !== 0 && (mode & STICKY) === 0) {
    return `${path} is writable by others (mode ${(mode & 0o7777).toString(8)}, not sticky)`;
  }
  return undefined;
}

/** Check `tempPath` and each of its ancestors, creating missing directories mode 0700. */
export function ensureSafeTempPath(tempPath: string): void {
  if (!tempPath.startsWith("/")) {
    throw new DeployError(`tempPath ${tempPath} is not an absolute path; nothing was changed`);
  }
  const uid = helperUid() ?? userInfo().uid;
  const parts = tempPath.split("/").filter(Boolean);
  let path = "";
  for (const part of ["", ...parts]) {
    path = part === "" ? "/" : `${path === "/" ? "" : path}/${part}`;
    if (part === "." || part === "..") {
      throw new DeployError(`tempPath ${tempPath} contains '${part}'; nothing was changed`);
    }
    let st: Deno.FileInfo;
    try {
      st = Deno.lstatSync(path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      Deno.mkdirSync(path, { mode: 0o700 });
      st = Deno.lstatSync(path);
    }
    const why = unsafeReason(path, st, uid);
    if (why) throw new DeployError(`unsafe tempPath: ${why}; nothing was changed`);
  }
}
