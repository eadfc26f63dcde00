/**
 * The helper's files (job, status, pending mark): owner-only, never opened
 * through a symbolic link, replaced atomically, so that nothing planted in a
 * run or state directory can redirect a write or show a half-written file.
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
import { dirname } from "node:path";

/**
 * Create a 0600 file without following a symlink: exclusively, or
 * truncating a plain file that is already there. `durable` syncs it to disk.
 */
export function writePrivate(
  path: string,
  data: string,
  options: { replace: boolean; durable?: boolean },
): void {
  const fd = openSync(
    path,
    constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW |
      (options.replace ? constants.O_TRUNC : constants.O_EXCL),
    0o600,
  );
  try {
    const bytes = Buffer.from(data);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    if (options.durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replace a file atomically (a reader sees the old or the new one, never half). */
export function replacePrivate(path: string, data: string, options: { durable?: boolean } = {}) {
  const tmp = `${path}.tmp`;
  rmSync(tmp, { force: true });
  writePrivate(tmp, data, { replace: false, durable: options.durable });
  renameSync(tmp, path);
  if (options.durable) syncDirectory(dirname(path));
}

/** Read a file without following a symlink. */
export function readPrivate(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}

/** Make a rename or removal in a directory durable. */
export function syncDirectory(dir: string): void {
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
