/**
 * The private directory of one activation run, under `tempPath`: created
 * with an unpredictable name and mode 0700 by the profile's user, so no other
 * local user can read it, create the canary in it, or remove it. It holds
 * the job, the status, the log, the hash of the confirmation token and,
 * while a confirmation is pending, the canary.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { Buffer } from "node:buffer";
import { basename, join } from "node:path";
import process from "node:process";
import { DeployError } from "../errors.ts";
import type { RunStatus } from "./protocol.ts";

export const RUN_DIR_PREFIX = "deploy-ts-";

/** What the detached worker is to do: activate a closure, or revoke back to a generation. */
export type Job = ActivationJob | RevokeJob;

export interface ActivationJob {
  kind: "activate";
  closure: string;
  profilePath: string;
  mode: "switch" | "dry-activate" | "boot";
  autoRollback: boolean;
  magicRollback: boolean;
  confirmTimeout: number;
  /** Who deployed, for the host's record. */
  deployer: string;
  /** Switch to this existing generation (deploy rollback) instead of adding one. */
  generation?: number;
}

export interface RevokeJob {
  kind: "revoke";
  profilePath: string;
  /** The generation to return to; null: the profile did not exist before, remove it. */
  toGeneration: number | null;
  /** The generation this run created, to delete. */
  removeGeneration: number | null;
  boot: boolean;
  deployer: string;
}

export class RunDir {
  private constructor(readonly path: string) {}

  /** Create a fresh private run directory under `tempPath`. */
  static create(tempPath: string): RunDir {
    mkdirSync(tempPath, { recursive: true });
    // mkdtemp: O_EXCL with a random suffix, mode 0700.
    return new RunDir(mkdtempSync(join(tempPath, RUN_DIR_PREFIX)));
  }

  /**
   * Open an existing run directory named by the deployer, refusing anything
   * that is not a private run directory of this user.
   */
  static open(path: string): RunDir {
    let st;
    try {
      st = lstatSync(path);
    } catch {
      throw new DeployError(`no activation run at ${path} (it may have ended and been cleaned up)`);
    }
    const uid = process.getuid?.();
    if (
      !st.isDirectory() || !basename(path).startsWith(RUN_DIR_PREFIX) || (st.mode & 0o077) !== 0 ||
      (uid !== undefined && st.uid !== uid)
    ) {
      throw new DeployError(`${path} is not a private deploy-ts run directory of this user`);
    }
    return new RunDir(path);
  }

  get logPath(): string {
    return join(this.path, "log");
  }
  get canaryPath(): string {
    return join(this.path, "canary");
  }
  private get statusPath(): string {
    return join(this.path, "status.json");
  }
  private get jobPath(): string {
    return join(this.path, "job.json");
  }
  private get tokenPath(): string {
    return join(this.path, "token.sha256");
  }

  writeJob(job: Job): void {
    writeFileSync(this.jobPath, JSON.stringify(job), { mode: 0o600 });
  }
  readJob(): Job {
    return JSON.parse(readFileSync(this.jobPath, "utf8"));
  }

  /** Write the status atomically, so a reader never sees half of it. */
  writeStatus(status: RunStatus): void {
    const tmp = `${this.statusPath}.tmp`;
    writeFileSync(tmp, JSON.stringify(status), { mode: 0o600 });
    renameSync(tmp, this.statusPath);
  }
  readStatus(): RunStatus | undefined {
    try {
      return JSON.parse(readFileSync(this.statusPath, "utf8"));
    } catch {
      return undefined;
    }
  }

  /** Make a new random token; only its hash stays on the host. */
  issueToken(): string {
    const token = randomBytes(32).toString("hex");
    writeFileSync(this.tokenPath, sha256(token), { mode: 0o600 });
    return token;
  }
  tokenMatches(token: string): boolean {
    const expected = Buffer.from(readFileSync(this.tokenPath, "utf8"), "hex");
    const actual = Buffer.from(sha256(token.trim()), "hex");
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  createCanary(): void {
    writeFileSync(this.canaryPath, "", { mode: 0o600, flag: "wx" });
  }
  hasCanary(): boolean {
    return existsSync(this.canaryPath);
  }
  /** Confirm: remove the canary; false when there was none (expired, or never created). */
  takeCanary(): boolean {
    try {
      unlinkSync(this.canaryPath);
      return true;
    } catch {
      return false;
    }
  }
  /**
   * Expire the canary: the worker's side of the same race. Renaming is atomic,
   * so exactly one of `takeCanary` and `expireCanary` wins.
   */
  expireCanary(): boolean {
    try {
      renameSync(this.canaryPath, `${this.canaryPath}.expired`);
      return true;
    } catch {
      return false;
    }
  }
  removeCanary(): void {
    rmSync(this.canaryPath, { force: true });
    rmSync(`${this.canaryPath}.expired`, { force: true });
  }
}

function sha256(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}
