/**
 * A run's secrets on the host: the values as they came in the request line,
 * and what each written secret replaced, both kept only in the run's private
 * directory (`secrets/`, mode 0700) until the outcome is final, then
 * deleted (`discard`). The worker writes them (`write`) before the switch
 * or after the activation, and puts the previous ones back (`restore`) when
 * the generation is rolled back.
 */
import { DeployError, UsageError } from "../../shared/errors.ts";
import {
  isDestDir,
  isPlainName,
  OCTAL_PERMISSIONS,
  secretPath,
  type SecretUpload,
  UPLOAD_AT,
  type UploadAt,
} from "../../shared/secrets.ts";
import { ensureSafeDestDir } from "./dest_dir.ts";
import { currentFile, type FileState, removeQuietly, replaceFile, syncDir } from "./atomic_file.ts";
import { me, ownerProblem, resolveOwner } from "./owners.ts";
import { RunDir } from "../run_dir.ts";
import { readRecords } from "../record.ts";

/** Records looked at for the runs that kept what their secrets replaced. */
const RECENT_RECORDS = 20;

/** In a run's secrets directory: what they replaced is kept for a revoke. */
const KEEP_MARKER = "keep-backups";

/** What one written secret replaced. */
interface Backup {
  secret: string;
  destDir: string;
  name: string;
  /** The file before: "absent", or its content (base64), owner and mode. */
  previous: "absent" | { content: string; uid: number; gid: number; mode: number };
}

const te = new TextEncoder();
const b64decode = (s: string): Uint8Array => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
function b64encode(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/** The secrets of a request line, checked field by field; a UsageError when not what deploy-ts sends. */
export function parseUploads(text: string): SecretUpload[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = undefined;
  }
  const ok = (u: Record<string, unknown>) =>
    ["secret", "destDir", "name", "user", "group", "permissions", "uploadAt", "value"].every((k) =>
      typeof u[k] === "string"
    ) && isPlainName(u.name as string) && isDestDir(u.destDir as string) &&
    OCTAL_PERMISSIONS.test(u.permissions as string) &&
    (UPLOAD_AT as readonly unknown[]).includes(u.uploadAt) &&
    /^[A-Za-z0-9+/]*={0,2}$/.test(u.value as string) && u.user !== "" && u.group !== "";
  if (!Array.isArray(v) || !v.every((u) => u !== null && typeof u === "object" && ok(u))) {
    throw new UsageError("activate: the secrets in the request line are not what deploy-ts sends");
  }
  return v as SecretUpload[];
}

export class RunSecrets {
  readonly dir: string;
  constructor(runDir: string) {
    this.dir = `${runDir}/secrets`;
  }

  /**
   * Keep the uploads in the run directory, for the worker (start.ts);
   * `keepBackups`: what they replace outlives a confirmed outcome, for a
   * revoke, until the deployer drops it (drop-secret-backups).
   */
  store(uploads: SecretUpload[], keepBackups = false): void {
    Deno.mkdirSync(this.dir, { mode: 0o700 });
    this.#replace("uploads.json", JSON.stringify(uploads));
    if (keepBackups) this.#replace(KEEP_MARKER, "");
  }

  uploads(): SecretUpload[] {
    const text = this.#read("uploads.json");
    return text === undefined ? [] : parseUploads(text);
  }

  /** Whether any secret is to be written at `uploadAt`. */
  has(uploadAt: UploadAt): boolean {
    return this.uploads().some((u) => u.uploadAt === uploadAt);
  }

  /**
   * Write the secrets of `uploadAt`: every owner resolved first (an unknown
   * one fails before any file changes), then each file replaced, what it
   * replaced kept first. Throws a DeployError naming the secret.
   */
  write(uploadAt: UploadAt, say: (line: string) => void): void {
    const mine = this.uploads().filter((u) => u.uploadAt === uploadAt);
    const self = me();
    const owners = mine.map((u) => {
      const owner = resolveOwner(u.user, u.group);
      if ("missing" in owner) {
        throw new DeployError(
          `secret ${u.secret}: its owner's ${owner.missing} does not exist on the host (${uploadAt}, ${
            secretPath(u)
          })`,
        );
      }
      const problem = ownerProblem(owner, self);
      if (problem) {
        throw new DeployError(
          `secret ${u.secret}: the profile's user (uid ${self.uid}) cannot give ${
            secretPath(u)
          } to ${u.user}:${u.group}, another ${problem}: only root can (deploy the profile as ` +
            `root, or make the secret this user's)`,
        );
      }
      return owner;
    });
    const backups = this.#backups();
    for (const [i, u] of mine.entries()) {
      const path = secretPath(u);
      try {
        ensureSafeDestDir(u.destDir);
        const before = currentFile(u.destDir, u.name);
        if (typeof before === "object" && "refused" in before) throw new Error(before.refused);
        backups.push({
          secret: u.secret,
          destDir: u.destDir,
          name: u.name,
          previous: saved(before),
        });
        // What it replaces is kept before it is replaced.
        this.#replace("backups.json", JSON.stringify(backups));
        replaceFile(u.destDir, u.name, {
          content: b64decode(u.value),
          ...owners[i],
          mode: parseInt(u.permissions, 8),
        });
      } catch (e) {
        throw new DeployError(
          `secret ${u.secret}: writing ${path} failed: ${e instanceof Error ? e.message : e}`,
        );
      }
      say(`secret ${u.secret} written to ${path} (${u.user}:${u.group}, ${u.permissions})`);
    }
  }

  /**
   * Put back what the run's secrets replaced, newest first: the previous
   * content, owner and mode, or no file where there was none. A message for
   * the outcome ("" when the run wrote none); throws when one cannot be.
   */
  restore(say: (line: string) => void): string {
    const backups = this.#backups();
    if (backups.length === 0) return "";
    const failed: string[] = [];
    for (const b of [...backups].reverse()) {
      const path = secretPath(b);
      try {
        if (b.previous === "absent") {
          removeQuietly(path);
          syncDir(b.destDir);
        } else {
          const { content, ...owner } = b.previous;
          replaceFile(b.destDir, b.name, { content: b64decode(content), ...owner });
        }
        say(`secret ${b.secret}: ${b.previous === "absent" ? "removed" : "put back"} (${path})`);
      } catch (e) {
        failed.push(`${b.secret} (${e instanceof Error ? e.message : e})`);
      }
    }
    if (failed.length) throw new DeployError(`putting back secrets failed: ${failed.join(", ")}`);
    this.#replace("backups.json", "[]");
    const names = [...new Set(backups.map((b) => b.secret))];
    return `secret${names.length > 1 ? "s" : ""} ${names.join(", ")} put back`;
  }

  /**
   * The worker's outcome is final: the values leave the host; what they
   * replaced stays only while it may still be put back (the new generation
   * stayed and the deployer said a revoke may follow), until the deployer
   * drops it.
   */
  discardValues(): void {
    if (this.#backups().length === 0 || this.#read(KEEP_MARKER) === undefined) {
      return this.discard();
    }
    removeQuietly(`${this.dir}/uploads.json`);
  }

  /** Everything of the run's secrets leaves the host. */
  discard(): void {
    try {
      Deno.removeSync(this.dir, { recursive: true });
    } catch {
      // None, or already gone.
    }
  }

  #backups(): Backup[] {
    const text = this.#read("backups.json");
    return text === undefined ? [] : JSON.parse(text) as Backup[];
  }

  #read(file: string): string | undefined {
    try {
      const info = Deno.lstatSync(`${this.dir}/${file}`);
      if (!info.isFile) return undefined;
      return Deno.readTextFileSync(`${this.dir}/${file}`);
    } catch {
      return undefined;
    }
  }

  #replace(file: string, text: string): void {
    const uid = Deno.uid() ?? 0;
    const gid = Deno.gid() ?? 0;
    replaceFile(this.dir, file, { content: te.encode(text), uid, gid, mode: 0o600 });
  }
}

/**
 * Put back what a dead worker's secrets replaced (recover.ts), then delete
 * them; what to say of it ("" when it wrote none).
 */
export function restoreDeadRun(runDir: string, say: (line: string) => void): string {
  const secrets = new RunSecrets(runDir);
  try {
    return secrets.restore(say);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    secrets.discard();
  }
}

/** Put back what the secrets of a kept run (a revoke names it) replaced, then delete them. */
export function restoreKeptRun(runDir: string, say: (line: string) => void): string {
  // Only a private run directory of this user: the deployer names it.
  return restoreDeadRun(RunDir.open(runDir).path, say);
}

/** The run that made `generation` of the profile and kept it, from the host's records. */
export function keptRunOf(profilePath: string, generation: number): string | undefined {
  return recentRecords(profilePath).reverse().find((r) =>
    r.newGeneration === generation && r.activeGeneration === generation && r.runDir
  )?.runDir ?? undefined;
}

/** The profile's latest records; none when they cannot be read (the caller goes on without). */
function recentRecords(profilePath: string) {
  try {
    return readRecords(profilePath).slice(-RECENT_RECORDS);
  } catch {
    return [];
  }
}

/**
 * What a confirmed run kept for a revoke goes: the deployment is over
 * (drop-secret-backups). Only a private run directory of this user.
 */
export function dropKeptRun(runDir: string): void {
  if (!pathExists(runDir)) return; // Cleaned up with its run directory.
  new RunSecrets(RunDir.open(runDir).path).discard();
}

/** What earlier runs of the profile kept for a revoke goes: a later run came. */
export function discardOlderRuns(profilePath: string, current: string): void {
  for (const r of recentRecords(profilePath)) {
    if (!r.runDir || r.runDir === current) continue;
    try {
      new RunSecrets(RunDir.open(r.runDir).path).discard();
    } catch {
      // Gone with its run directory.
    }
  }
}

function saved(before: FileState | "absent"): Backup["previous"] {
  if (before === "absent") return "absent";
  return {
    content: b64encode(before.content),
    uid: before.uid,
    gid: before.gid,
    mode: before.mode,
  };
}

/** Whether anything is at `path` (a link counts; Deno's API: no Node compatibility on the helper). */
function pathExists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
