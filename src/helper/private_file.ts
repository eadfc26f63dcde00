/**
 * The helper's files (job, status, pending mark, records): owner-only, never
 * opened through a symbolic link, replaced atomically, so that nothing
 * planted in a run or state directory can redirect a write or show a
 * half-written file.
 *
 * On Deno's own APIs (see host_os.ts). Deno.open has no O_NOFOLLOW, so a
 * name is opened the way O_NOFOLLOW would: a new file only exclusively
 * (O_EXCL never follows a link), an existing one only when it is not a
 * symbolic link and the file opened is the one looked at (same device and
 * inode), so a link swapped in between is caught too.
 */
import { writeAllSync } from "../process/runtime.ts";
import { dirname } from "../shared/posix_path.ts";

/** The error O_NOFOLLOW gives for a symbolic link. */
function symlinkRefused(path: string): Error {
  return Object.assign(new Error(`ELOOP: ${path} is a symbolic link`), { code: "ELOOP" });
}

/** Open `path` without following a symbolic link (see above); `create` makes it 0600 if missing. */
export function openNoFollow(
  path: string,
  options: { write?: boolean; append?: boolean; truncate?: boolean; create?: boolean },
): Deno.FsFile {
  const access = {
    read: !options.write && !options.append,
    write: options.write,
    append: options.append,
  };
  for (;;) {
    let seen: Deno.FileInfo;
    try {
      seen = Deno.lstatSync(path);
    } catch (e) {
      if (!options.create || !(e instanceof Deno.errors.NotFound)) throw e;
      try {
        return Deno.openSync(path, { ...access, createNew: true, mode: 0o600 });
      } catch (e) {
        // Someone made it in between: look again.
        if (e instanceof Deno.errors.AlreadyExists) continue;
        throw e;
      }
    }
    if (seen.isSymlink) throw symlinkRefused(path);
    const file = Deno.openSync(path, { ...access, truncate: options.truncate });
    const opened = file.statSync();
    if (opened.dev !== seen.dev || opened.ino !== seen.ino) {
      file.close();
      throw symlinkRefused(path);
    }
    return file;
  }
}

/**
 * Create a 0600 file without following a symlink: exclusively, or
 * truncating a plain file that is already there. `durable` syncs it to disk.
 */
export function writePrivate(
  path: string,
  data: string,
  options: { replace: boolean; durable?: boolean },
): void {
  const file = options.replace
    ? openNoFollow(path, { write: true, truncate: true, create: true })
    : Deno.openSync(path, { write: true, createNew: true, mode: 0o600 });
  try {
    writeAllSync(file, new TextEncoder().encode(data));
    if (options.durable) file.syncSync();
  } finally {
    file.close();
  }
}

/** Append to a 0600 file, creating it, without following a symlink. */
export function appendPrivate(path: string, data: string): void {
  const file = openNoFollow(path, { append: true, create: true });
  try {
    writeAllSync(file, new TextEncoder().encode(data));
  } finally {
    file.close();
  }
}

/** Replace a file atomically (a reader sees the old or the new one, never half). */
export function replacePrivate(path: string, data: string, options: { durable?: boolean } = {}) {
  const tmp = `${path}.tmp`;
  removeIfThere(tmp);
  writePrivate(tmp, data, { replace: false, durable: options.durable });
  Deno.renameSync(tmp, path);
  if (options.durable) syncDirectory(dirname(path));
}

/** Read a file without following a symlink. */
export function readPrivate(path: string): string {
  const file = openNoFollow(path, {});
  try {
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(65536);
    for (;;) {
      const n = file.readSync(buf);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
    const all = new Uint8Array(chunks.reduce((sum, c) => sum + c.length, 0));
    let off = 0;
    for (const c of chunks) {
      all.set(c, off);
      off += c.length;
    }
    return new TextDecoder().decode(all);
  } finally {
    file.close();
  }
}

/** Remove a file; nothing when it is not there (rm -f). */
export function removeIfThere(path: string): void {
  try {
    Deno.removeSync(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

/** Make a rename or removal in a directory durable. */
export function syncDirectory(dir: string): void {
  try {
    const file = Deno.openSync(dir, { read: true });
    try {
      file.syncSync();
    } finally {
      file.close();
    }
  } catch {
    // Not every platform syncs a directory; the rename is still atomic.
  }
}
