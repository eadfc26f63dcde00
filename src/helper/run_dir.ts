/**
 * The private directory of one activation run, under `tempPath`: created
 * with an unpredictable name and mode 0700 by the profile's user, so no other
 * local user can read it, create the canary in it, or remove it. It holds
 * the job, the status, the log, the hash of the confirmation token and,
 * while a confirmation is pending, the canary. Its files are opened without
 * following symbolic links, so nothing planted there can redirect a write.
 */
import { basename, join } from "../shared/posix_path.ts";
import { DeployError } from "../shared/errors.ts";
import type { RunStatus } from "../wire/protocol.ts";
import { decodeOffer, OFFERED_TOKEN_FILE } from "../wire/offer.ts";
import { type Job, parseJob } from "./job.ts";
import { readPrivate, removeIfThere, replacePrivate, writePrivate } from "./private_file.ts";
import { ensureSafeTempPath } from "./temp_path.ts";
import { uid as helperUid } from "./host_os.ts";

export const RUN_DIR_PREFIX = "deploy-ts-";

export type { ActivationJob, Job, RevokeJob } from "./job.ts";

export class RunDir {
  private constructor(readonly path: string) {}

  /** Create a fresh private run directory under `tempPath`. */
  static create(tempPath: string): RunDir {
    ensureSafeTempPath(tempPath);
    // mkdtemp: O_EXCL with a random suffix, mode 0700.
    return new RunDir(Deno.makeTempDirSync({ dir: tempPath, prefix: RUN_DIR_PREFIX }));
  }

  /**
   * Open an existing run directory named by the deployer, refusing anything
   * that is not a private run directory of this user.
   */
  static open(path: string): RunDir {
    let st;
    try {
      st = Deno.lstatSync(path);
    } catch {
      throw new DeployError(`no activation run at ${path} (it may have ended and been cleaned up)`);
    }
    const uid = helperUid();
    if (
      !st.isDirectory || !basename(path).startsWith(RUN_DIR_PREFIX) ||
      ((st.mode ?? 0) & 0o077) !== 0 || (uid !== undefined && st.uid !== uid)
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

  /** Create the (empty, 0600) log, for the worker's stdout and stderr. */
  createLog(): void {
    writePrivate(this.logPath, "", { replace: false });
  }

  /** Make a new random token; only its hash stays on the host. */
  async issueToken(): Promise<string> {
    const token = hex(crypto.getRandomValues(new Uint8Array(32)));
    writePrivate(this.tokenPath, await sha256(token), { replace: true });
    return token;
  }
  async tokenMatches(token: string): Promise<boolean> {
    return sameText(readPrivate(this.tokenPath).trim(), await sha256(token.trim()));
  }

  /**
   * A token that a fresh connection left in the run directory (see
   * offerTokenArgv): read once and removed. With this run's token it takes
   * the canary, exactly as `deploy confirm` does; any other is refused.
   */
  async acceptOfferedToken(): Promise<
    | { offer: "none" | "accepted" | "refused" }
    | { offer: "declined"; reason: string }
  > {
    let text: string;
    try {
      text = readPrivate(this.offeredTokenPath);
    } catch {
      return { offer: "none" };
    }
    removeIfThere(this.offeredTokenPath);
    // The token, or a decline with it when the deployer's own health checks
    // failed; anything else is refused like a wrong token.
    const offer = decodeOffer(text);
    if (!offer || !(await this.tokenMatches(offer.token))) return { offer: "refused" };
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
      Deno.renameSync(this.canaryPath, this.confirmedPath);
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
      Deno.renameSync(this.canaryPath, `${this.canaryPath}.expired`);
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
        removeIfThere(p);
      } catch {
        // Best effort: the run directory may be gone.
      }
    }
  }

  /** Remove the whole run directory (an old run, after its outcome). */
  remove(): void {
    try {
      Deno.removeSync(this.path, { recursive: true });
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
}

function isOwnFile(path: string): boolean {
  try {
    const st = Deno.lstatSync(path);
    return st.isFile && st.uid === (helperUid() ?? st.uid);
  } catch {
    return false;
  }
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function sha256(s: string): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s))));
}

/** Equal strings, compared in a time that does not depend on where they differ. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
