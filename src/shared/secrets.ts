/**
 * Secrets that travel with a deployment (colmena's `deployment.keys`): what
 * a profile declares (`secrets`), and what travels to the host for each
 * one. Light on purpose: the config, the deployer and the on-host helper
 * all import it. The value itself is read on the deployer just before a
 * node is contacted (src/deploy/secret_values.ts) and reaches the host
 * only in the activation's request line on stdin.
 */

export const UPLOAD_AT = ["pre-activation", "post-activation"] as const;
/** When the helper writes a secret: before the profile is switched, or after its activation. */
export type UploadAt = (typeof UPLOAD_AT)[number];

export const SECRET_SOURCES = ["keyCommand", "keyFile", "text"] as const;
export type SecretSourceKind = (typeof SECRET_SOURCES)[number];

/** Where a secret's value comes from, on the deployer: exactly one. */
export type SecretSource = { keyCommand: string[] } | { keyFile: string } | { text: string };

/** Where and how a secret is written on the host (no value). */
export interface SecretTarget {
  /** The directory it is written to; /run/keys by default. */
  destDir: string;
  /** Its file name in destDir; the attribute name by default. */
  name: string;
  user: string;
  group: string;
  /** Octal, as a string ("0600"). */
  permissions: string;
  uploadAt: UploadAt;
}

/** One secret as the flake declares it, defaults applied. */
export type SecretSpec = SecretSource & SecretTarget;

/** Named secrets of a profile. */
export type Secrets = Record<string, SecretSpec>;

/** One secret as it travels to the host: where it goes, and the value (base64). */
export interface SecretUpload extends SecretTarget {
  /** The attribute name, for messages. */
  secret: string;
  /** The value, base64: any bytes survive the JSON of the request line. */
  value: string;
}

export const SECRET_DEFAULTS = {
  destDir: "/run/keys",
  user: "root",
  group: "root",
  permissions: "0600",
  uploadAt: "pre-activation",
} as const satisfies Omit<SecretTarget, "name">;

/** Permissions as the flake gives them: three or four octal digits. */
export const OCTAL_PERMISSIONS = /^0?[0-7]{3}$/;

/** Control characters (newline, NUL…): in a path they would forge or cut the lines that name it. */
// deno-lint-ignore no-control-regex -- matching control characters is the point
export const CONTROL_CHARACTERS = /[\x00-\x1f\x7f]/;

/** A file name of its own in destDir: no slash, no control character, not . or .., not empty. */
export function isPlainName(name: string): boolean {
  return name !== "" && name !== "." && name !== ".." && !name.includes("/") &&
    !CONTROL_CHARACTERS.test(name);
}

/** A destDir: absolute, no control character. */
export function isDestDir(path: string): boolean {
  return path.startsWith("/") && !CONTROL_CHARACTERS.test(path);
}

export function sourceKind(s: SecretSource): SecretSourceKind {
  return "keyCommand" in s ? "keyCommand" : "keyFile" in s ? "keyFile" : "text";
}

/** Where a secret goes on the host. */
export function secretPath(t: Pick<SecretTarget, "destDir" | "name">): string {
  return `${t.destDir.replace(/\/+$/, "")}/${t.name}`;
}

/** What may be shown of a secret (plan, logs): everything but a `text` value. */
export function describeSecret(s: SecretSpec): SecretSpec {
  return "text" in s ? { ...s, text: "(hidden)" } : s;
}

/** A secret on the host as `deploy status` reports it (the helper's secret-status). */
export interface SecretState {
  secret: string;
  path: string;
  /** `present`: with the declared owner and mode; `differs`: another owner or mode. */
  state: "present" | "differs" | "absent" | "error";
  /** What was found, in words: `alice:root 0640`, or why it could not be looked at. */
  found?: string;
}
