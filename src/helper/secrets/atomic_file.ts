/**
 * Writing one secret file atomically: a new file, created exclusively in
 * the destination directory, is given its final owner and mode before a
 * single byte is written, then written, synced and renamed over the old
 * one; the directory is synced so the rename lasts. A reader sees the old
 * file or the new one, never half, and never the value under another
 * owner or mode. Deno's own file APIs (the helper runs under Deno).
 */

export interface FileState {
  content: Uint8Array;
  uid: number;
  gid: number;
  /** Permission bits (0o7777). */
  mode: number;
}

function randomSuffix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Replace `dir/name` with `state`, atomically. */
export function replaceFile(dir: string, name: string, state: FileState): void {
  const tmp = `${dir}/.${name}.deploy-ts-${randomSuffix()}`;
  // Owner-only until chown and chmod below: nobody else can open it meanwhile.
  const file = Deno.openSync(tmp, { write: true, createNew: true, mode: 0o600 });
  try {
    Deno.chownSync(tmp, state.uid, state.gid);
    Deno.chmodSync(tmp, state.mode);
    let off = 0;
    while (off < state.content.length) off += file.writeSync(state.content.subarray(off));
    file.syncSync();
  } catch (e) {
    file.close();
    removeQuietly(tmp);
    throw e;
  }
  file.close();
  try {
    Deno.renameSync(tmp, `${dir}/${name}`);
  } catch (e) {
    removeQuietly(tmp);
    throw e;
  }
  syncDir(dir);
}

/** What is at `dir/name` now: a plain file's state, "absent", or why it may not be replaced. */
export function currentFile(dir: string, name: string): FileState | "absent" | { refused: string } {
  const path = `${dir}/${name}`;
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return "absent";
    throw e;
  }
  if (!info.isFile) {
    return { refused: `${path} is ${info.isSymlink ? "a symbolic link" : "not a plain file"}` };
  }
  // The directory was checked safe: nobody but root (or us) can swap the file meanwhile.
  return {
    content: Deno.readFileSync(path),
    uid: info.uid ?? 0,
    gid: info.gid ?? 0,
    mode: (info.mode ?? 0o600) & 0o7777,
  };
}

export function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path);
  } catch {
    // Already gone.
  }
}

export function syncDir(dir: string): void {
  try {
    const d = Deno.openSync(dir, { read: true });
    try {
      d.syncSync();
    } finally {
      d.close();
    }
  } catch {
    // Not every file system syncs a directory; the rename is atomic anyway.
  }
}
