/**
 * The helper's secret commands besides activation: `upload-secrets`
 * (colmena's upload-keys: write them now, all or none, with what each
 * replaced kept in a private run directory until they are all written) and
 * `secret-status` (present with the declared owner and mode?) and
 * `drop-secret-backups` (the deployment is over: no revoke will come).
 */
import { UsageError } from "../../shared/errors.ts";
import { describeHolder, tryLockProfile } from "../lock.ts";
import { recoverIfDead } from "../recover.ts";
import {
  secretPath,
  type SecretState,
  type SecretTarget,
  type SecretUpload,
} from "../../shared/secrets.ts";
import type {
  DropSecretBackupsRequest,
  SecretStatusRequest,
  UploadSecretsRequest,
} from "../../wire/requests.ts";
import { RunDir } from "../run_dir.ts";
import { dropKeptRun, parseUploads, RunSecrets } from "./run_secrets.ts";
import { nameOf, resolveOwner } from "./owners.ts";

function print(value: unknown): void {
  Deno.stdout.writeSync(new TextEncoder().encode(`${JSON.stringify(value)}\n`));
}

/**
 * Write every secret of the request, holding the profile's lock (a run of
 * the profile under way would put back what it replaced over them, or keep
 * them as what it replaced); on a failure put back those already written.
 */
export async function uploadSecrets(
  request: UploadSecretsRequest,
  profilePath: string,
): Promise<number> {
  const uploads = parseUploads(request.secrets);
  // A run that died first is rolled back first, its secrets with it.
  await recoverIfDead(
    profilePath,
    (line) => Deno.stderr.writeSync(new TextEncoder().encode(`[deploy-ts] ${line}\n`)),
  );
  const locked = await tryLockProfile(profilePath, {
    deployer: "deploy secrets",
    pid: Deno.pid,
    since: Date.now(),
    runDir: "",
  });
  if (!("lock" in locked)) {
    print({
      ok: false,
      message: `the profile is being deployed (${
        describeHolder(locked.heldBy)
      }); nothing was written`,
      lines: [],
    });
    return 1;
  }
  try {
    return writeAll(request, uploads);
  } finally {
    locked.lock.release();
  }
}

function writeAll(request: UploadSecretsRequest, uploads: SecretUpload[]): number {
  const lines: string[] = [];
  const say = (line: string) => lines.push(line);
  const runDir = RunDir.create(request.tempPath);
  const secrets = new RunSecrets(runDir.path);
  try {
    secrets.store(uploads);
    try {
      // Those whose owner the activation would create come last, as in a deployment.
      secrets.write("pre-activation", say);
      secrets.write("post-activation", say);
    } catch (e) {
      let back: string;
      try {
        back = secrets.restore(say);
      } catch (again) {
        back = (again as Error).message;
      }
      const why = (e as Error).message;
      print({
        ok: false,
        message: back ? `${why}; ${back}` : `${why}; nothing was changed`,
        lines,
      });
      return 1;
    }
    print({ ok: true, message: `${uploads.length} written`, lines });
    return 0;
  } finally {
    secrets.discard();
    runDir.remove();
  }
}

/** Whether each secret is there with its declared owner and mode. */
export function secretStatus(request: SecretStatusRequest): number {
  let targets: (SecretTarget & { secret: string })[];
  try {
    targets = JSON.parse(request.secrets);
    if (!Array.isArray(targets)) throw new Error();
  } catch {
    throw new UsageError(
      "secret-status: the secrets in the request line are not what deploy-ts sends",
    );
  }
  const passwd = readOrEmpty("/etc/passwd");
  const group = readOrEmpty("/etc/group");
  print(targets.map((t): SecretState => {
    const path = secretPath(t);
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(path);
    } catch (e) {
      return e instanceof Deno.errors.NotFound
        ? { secret: t.secret, path, state: "absent" }
        : { secret: t.secret, path, state: "error", found: (e as Error).message };
    }
    const mode = (info.mode ?? 0) & 0o7777;
    const found = `${nameOf(passwd, info.uid ?? -1)}:${nameOf(group, info.gid ?? -1)} ${
      mode.toString(8).padStart(4, "0")
    }`;
    const owner = resolveOwner(t.user, t.group);
    const same = info.isFile && !("missing" in owner) && owner.uid === info.uid &&
      owner.gid === info.gid && mode === parseInt(t.permissions, 8);
    return { secret: t.secret, path, state: same ? "present" : "differs", found };
  }));
  return 0;
}

function readOrEmpty(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

/** Delete what a confirmed run kept for a revoke; `{ok, message}` on stdout. */
export function dropSecretBackups(request: DropSecretBackupsRequest): number {
  try {
    dropKeptRun(request.runDir);
  } catch (e) {
    print({ ok: false, message: e instanceof Error ? e.message : String(e) });
    return 1;
  }
  print({ ok: true, message: "dropped" });
  return 0;
}
