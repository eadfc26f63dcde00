/**
 * Whether a secret's `destDir` is safe to write into, checked as tempPath
 * is (src/helper/temp_path.ts): every component from / down a real
 * directory (no symbolic link), owned by root or by the helper's user, not
 * writable by group or others unless sticky. destDir itself not writable
 * by group or others even when sticky: there another user could swap their
 * own file at the secret's name between the look and the read (a symlink to
 * /etc/shadow, whose content a rollback would then hand them). Missing
 * components are made root-owned (the helper's user's), mode 0755: never
 * writable by others.
 */
import { DeployError } from "../../shared/errors.ts";

const STICKY = 0o1000;

/** Why `info` (at `path`) may not be on the way to a secret, or undefined when it may. */
export function unsafeDirReason(
  path: string,
  info: Deno.FileInfo,
  uid: number,
  last = false,
): string | undefined {
  if (info.isSymlink) return `${path} is a symbolic link`;
  if (!info.isDirectory) return `${path} is not a directory`;
  if (info.uid !== 0 && info.uid !== uid) return `${path} is owned by uid ${info.uid}`;
  const mode = info.mode ?? 0;
  if ((mode & 0o022) !== 0 && last) {
    return `${path} is writable by others (mode ${(mode & 0o7777).toString(8)})`;
  }
  if ((mode & 0o022) !== 0 && (mode & STICKY) === 0) {
    return `${path} is writable by others (mode ${(mode & 0o7777).toString(8)}, not sticky)`;
  }
  return undefined;
}

/** Check `destDir` and its ancestors, creating the missing ones. */
export function ensureSafeDestDir(destDir: string, uid = Deno.uid() ?? 0): void {
  if (!destDir.startsWith("/")) throw new DeployError(`destDir ${destDir} is not absolute`);
  let path = "";
  const parts = ["", ...destDir.split("/").filter(Boolean)];
  for (const [i, part] of parts.entries()) {
    path = part === "" ? "/" : `${path === "/" ? "" : path}/${part}`;
    if (part === "." || part === "..") {
      throw new DeployError(`destDir ${destDir} contains '${part}'`);
    }
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      Deno.mkdirSync(path, { mode: 0o755 });
      // The umask may have taken bits away; never adds any.
      Deno.chmodSync(path, 0o755);
      info = Deno.lstatSync(path);
    }
    const why = unsafeDirReason(path, info, uid, i === parts.length - 1);
    if (why) throw new DeployError(`unsafe destDir: ${why}`);
  }
}
