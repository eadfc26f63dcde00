/**
 * Reading secret values on the deployer (src/shared/secrets.ts), just
 * before a node is contacted: a `keyCommand`'s stdout, a `keyFile`'s bytes,
 * or the `text`. A failure names the node, the profile and the secret, and
 * shows what the command said; the value itself goes nowhere but into the
 * upload (no log, no event, no error message).
 */
import { closeSync, openSync, readSync } from "node:fs";
import { Buffer } from "node:buffer";
import type { ProfilePlan } from "../config/plan.ts";
import { DeployError } from "../shared/errors.ts";
import type { ActivationMode } from "../host/host.ts";
import type { SecretSpec, SecretUpload } from "../shared/secrets.ts";
import { lastLines, run } from "../process/run.ts";
import { keepsSecretBackups } from "./secret_backups.ts";

/**
 * What the secrets of one profile may weigh together: base64 in the
 * request line, which the helper takes up to 1 MiB (src/helper/request_line.ts).
 */
const MAX_SECRET_KIB = 700;
const MAX_SECRET_BYTES = MAX_SECRET_KIB * 1024;

/**
 * One run's values by source (a keyCommand's argv, a keyFile's path, a text):
 * a secret that many profiles share (set at the top level, say) is read
 * once, so every host gets the same value and a command that asks for a
 * passphrase asks once.
 */
export type SecretSources = Map<string, Promise<string>>;

const sourceKey = (spec: SecretSpec): string =>
  JSON.stringify(
    "keyCommand" in spec
      ? ["command", spec.keyCommand]
      : "keyFile" in spec
      ? ["file", spec.keyFile]
      : ["text", spec.text],
  );

/** The uploads of a profile's secrets, values read now; a DeployError when one cannot be read. */
export async function readSecretValues(
  p: ProfilePlan,
  runCommand: typeof run = run,
  sources: SecretSources = new Map(),
): Promise<SecretUpload[]> {
  const uploads: SecretUpload[] = [];
  let bytes = 0;
  for (const [secret, spec] of Object.entries(p.settings.secrets)) {
    const where = { node: p.node, profile: p.profile, field: `secrets.${secret}` };
    const key = sourceKey(spec);
    if (!sources.has(key)) {
      sources.set(key, readValue(spec, runCommand, p.settings.activationTimeout));
    }
    const value = await sources.get(key)!.catch(
      (e: Error) => {
        throw new DeployError(`secret ${secret}: ${e.message}; no host was contacted`, where);
      },
    );
    bytes += Buffer.byteLength(value, "base64");
    if (bytes > MAX_SECRET_BYTES) {
      throw new DeployError(
        `the secrets are ${
          Math.ceil(bytes / 1024)
        } KiB together, more than the ${MAX_SECRET_KIB} KiB one activation carries; no host was contacted`,
        where,
      );
    }
    const { destDir, name, user, group, permissions, uploadAt } = spec;
    uploads.push({ secret, destDir, name, user, group, permissions, uploadAt, value });
  }
  return uploads;
}

/** One value, base64. */
async function readValue(
  spec: SecretSpec,
  runCommand: typeof run,
  timeoutSeconds: number,
): Promise<string> {
  if ("text" in spec) return Buffer.from(spec.text, "utf8").toString("base64");
  if ("keyFile" in spec) {
    try {
      return readAtMost(spec.keyFile, MAX_SECRET_BYTES + 1).toString("base64");
    } catch (e) {
      throw new Error(
        `keyFile ${spec.keyFile} cannot be read (${(e as { code?: string }).code ?? e})`,
      );
    }
  }
  // Byte for byte: a binary key is no UTF-8 text.
  const r = await runCommand(spec.keyCommand, {
    timeoutMs: timeoutSeconds * 1000,
    stdoutEncoding: "latin1",
    killOnInterrupt: true,
    maxStdout: MAX_SECRET_BYTES,
  });
  if (r.overflowed) {
    throw new Error(
      `keyCommand ${
        spec.keyCommand[0]
      } printed more than the ${MAX_SECRET_KIB} KiB one activation carries`,
    );
  }
  if (r.timedOut) {
    throw new Error(`keyCommand ${spec.keyCommand[0]} did not finish within ${timeoutSeconds}s`);
  }
  if (r.code !== 0) {
    const how = r.code === null ? `was killed by ${r.signal}` : `exited with code ${r.code}`;
    const said = lastLines(r.stderr, 20);
    throw new Error(`keyCommand ${spec.keyCommand[0]} ${how}${said ? `:\n${said}` : ""}`);
  }
  return Buffer.from(r.stdout, "latin1").toString("base64");
}

/** A file's first `limit` bytes at most (a device such as /dev/zero never ends). */
function readAtMost(path: string, limit: number): Buffer {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(limit);
    let n = 0;
    while (n < limit) {
      const got = readSync(fd, buf, n, limit - n, null);
      if (got === 0) break;
      n += got;
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Each run's values, by its options object: nodes come one by one, a source is read once. */
const sourcesOfRun = new WeakMap<object, SecretSources>();

/**
 * How each of a node's profiles is activated, its secrets read now, before
 * the node is contacted: a failure fails every profile of the node (through
 * `fail`) and touches no host; then undefined. A dry activation writes
 * nothing, so reads nothing.
 */
export async function activationModes(
  profiles: readonly ProfilePlan[],
  run: Parameters<typeof keepsSecretBackups>[1],
  fail: (p: ProfilePlan, status: "failed", message: string) => void,
): Promise<((p: ProfilePlan) => ActivationMode) | undefined> {
  const { goal } = run;
  const uploads = new Map<ProfilePlan, SecretUpload[]>();
  if (goal !== "dry-activate") {
    if (!sourcesOfRun.has(run)) sourcesOfRun.set(run, new Map());
    try {
      for (const p of profiles) {
        uploads.set(p, await readSecretValues(p, undefined, sourcesOfRun.get(run)));
      }
    } catch (e) {
      for (const p of profiles) fail(p, "failed", (e as DeployError).describe());
      return undefined;
    }
  }
  return (p) => {
    const secrets = uploads.get(p);
    if (!secrets?.length) return { goal };
    return { goal, secrets, ...(keepsSecretBackups(p, run) ? { keepSecretBackups: true } : {}) };
  };
}
