/**
 * The private directory of one activation run, under `tempPath`: created
 * with an unpredictable name and mode 0700 by the profile's user, so no other
 * local user can read it, create the canary in it, or remove it. It holds
 * the job, the status, the log, the hash of the confirmation token and,
 * while a confirmation is pending, the canary. Its files are opened without
 * following symbolic links, so nothing planted there can redirect a write.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { constants, lstatSync, mkdtempSync, openSync, renameSync, rmSync } from "node:fs";
import { Buffer } from "node:buffer";
import { basename, join } from "node:path";
import process from "node:process";
import { DeployError } from "../shared/errors.ts";
import type { RunStatus } from "../wire/protocol.ts";
import { decodeOffer, OFFERED_TOKEN_FILE } from "../wire/offer.ts";
import { type Job, parseJob } from "./job.ts";
import { readPrivate, replacePrivate, writePrivate } from "./private_file.ts";
import { ensureSafeTempPath } from "./temp_path.ts";

export const RUN_DIR_PREFIX = "deploy-ts-";

export type { ActivationJob, Job, RevokeJob } from "./job.ts";

export class RunDir {
  private constructor(readonly path: string) {}

  /** Create a fresh private run directory under `tempPath`. */
  static create(tempPath: string): RunDir {
    ensureSafeTempPath(tempPath);
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
  /** Where a fresh connection leaves the token for the worker (OFFERED_TOKEN_FILE). */
  private get offeredTokenPath(): string {
    return join(this.path, OFFERED_TOKEN_FILE);
  }

  writeJob(job: Job): void {
    writePrivate(this.jobPath, JSON.stringify(job), { replace: true });
  }
  /** The job, checked: a DeployError naming the field when job.json is not one this helper writes. */
  readJob(): Job {
    return parseJob(readPrivate(this.jobPath), this.jobPath);
  }

  /** Write the status atomically, so a reader never sees half of it. */
  writeStatus(status: RunStatus): void {
    replacePrivate(this.statusPath, JSON.stringify(status));
  }
  readStatus(): RunStatus | undefined {
    try {
      return JSON.parse(readPrivate(this.statusPath));
    } catch {
      return undefined;
    }
  }

  /** Open the log for appending (the worker's stdout and stderr). */
  openLog(): number {
    return openSync(
      this.logPath,
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
      0o600,
    );
  }

  /** Make a new random token; only its hash stays on the host. */
  issueToken(): string {
    const token = randomBytes(32).toString("hex");
    writePrivate(this.tokenPath, sha256(token), { replace: true });
    return token;
  }
  tokenMatches(token: string): boolean {
    const expected = Buffer.from(readPrivate(this.tokenPath), "hex");
    const actual = Buffer.from(sha256(token.trim()), "hex");
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  /**
   * A token that a fresh connection left in the run directory (see
   * offerTokenArgv): read once and removed. With this run's token it takes
   * the canary, exactly as `deploy confirm` does; any other is refused.
   */
  acceptOfferedToken():
    | { offer: "none" | "accepted" | "refused" }
    | { offer: "declined"; reason: string } {
    let text: string;
    try {
      text = readPrivate(this.offeredTokenPath);
    } catch {
      return { offer: "none" };
    }
    rmSync(this.offeredTokenPath, { force: true });
    // The token, or a decline with it when the deployer's own health checks
    // failed; anything else is refused like a wrong token.
    const offer = decodeOffer(text);
    if (!offer || !this.tokenMatches(offer.token)) return { offer: "refused" };
    if (offer.kind === "decline") return { offer: "declined", reason: offer.reason };
    return { offer: this.takeCanary() ? "accepted" : "refused" };
  }

  createCanary(): void {
    writePrivate(this.canaryPath, "", { replace: false });
  }
  private get confirmedPath(): string {
    return `${this.canaryPath}.confirmed`;
  }
  /**
   * Confirm: rename the canary to `canary.confirmed`, which is the only
   * thing that counts as a confirmation; false when there was no canary
   * (expired, or never created).
   */
  takeCanary(): boolean {
    try {
      renameSync(this.canaryPath, this.confirmedPath);
      return true;
    } catch {
      return false;
    }
  }
  /**
   * Where the confirmation stands. Only a `canary.confirmed` that is a plain
   * file of ours counts; a canary gone missing for any other reason (the run
   * directory removed, say) is "vanished", which means not confirmed.
   */
  confirmation(): "confirmed" | "pending" | "vanished" {
    // The canary first: `confirm` renames it, so looking the other way round
    // could miss both names during the rename.
    if (isOwnFile(this.canaryPath)) return "pending";
    return isOwnFile(this.confirmedPath) ? "confirmed" : "vanished";
  }
  /**
   * Expire the canary: the worker's side of the same race. Renaming is atomic,
   * so exactly one of `takeCanary` and `expireCanary` wins. True when the
   * deployer confirmed before that, positively.
   */
  expireCanaryConfirmed(): boolean {
    try {
      renameSync(this.canaryPath, `${this.canaryPath}.expired`);
      return false;
    } catch {
      return this.confirmation() === "confirmed";
    }
  }
  removeCanary(): void {
    for (
      const p of [
        this.canaryPath,
        `${this.canaryPath}.expired`,
        this.confirmedPath,
        this.offeredTokenPath,
      ]
    ) {
      try {
        rmSync(p, { force: true });
      } catch {
        // Best effort: the run directory may be gone.
      }
    }
  }

  /** Remove the whole run directory (an old run, after its outcome). */
  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

function isOwnFile(path: string): boolean {
  try {
    const st = lstatSync(path);
    return st.isFile() && st.uid === (process.getuid?.() ?? st.uid);
  } catch {
    return false;
  }
}

function sha256(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}
