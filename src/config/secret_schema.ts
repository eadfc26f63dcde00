/**
 * The schema of `secrets` (src/shared/secrets.ts), with messages that say
 * why a value is refused: a `keyFile` in the Nix store (or a path literal,
 * which Nix copies there when it evaluates the flake) would put the secret
 * where every local user can read it, and on every machine that copies the
 * closure.
 */
import { z } from "zod";
import {
  isDestDir,
  isPlainName,
  OCTAL_PERMISSIONS,
  SECRET_DEFAULTS,
  SECRET_SOURCES,
  type Secrets,
  type SecretSpec,
  UPLOAD_AT,
} from "../shared/secrets.ts";

const ONE_SOURCE = `exactly one of ${SECRET_SOURCES.join(", ")}`;

/** Why `path` may not be a keyFile, or undefined when it may. */
export function keyFileProblem(path: string): string | undefined {
  if (path.startsWith("/nix/store/")) {
    return "a path outside the Nix store: this one is in the store, readable by every local " +
      "user; a path literal (./secret) is copied there when Nix evaluates the flake, so give " +
      'the path as a string ("/home/me/secret")';
  }
  if (!path.startsWith("/")) {
    return "an absolute path on the deployer, as a string (a relative one would depend on where " +
      "deploy runs)";
  }
  return undefined;
}

const secret = z.strictObject({
  keyCommand: z.array(z.string()).min(1, { message: "a non-empty list of strings (the argv)" })
    .optional(),
  keyFile: z.string().optional(),
  text: z.string().optional(),
  destDir: z.string().refine(isDestDir, {
    message: "an absolute path (a string starting with /, no control characters)",
  }).optional(),
  name: z.string().refine(isPlainName, {
    message: "a file name (not empty, no /, no control characters, not . or ..)",
  }).optional(),
  user: z.string().min(1, { message: "a user name" }).optional(),
  group: z.string().min(1, { message: "a group name" }).optional(),
  permissions: z.string().regex(OCTAL_PERMISSIONS, {
    message: 'permissions as an octal string such as "0600" or "0440"',
  }).optional(),
  uploadAt: z.enum(UPLOAD_AT, {
    message: `one of ${UPLOAD_AT.map((u) => JSON.stringify(u)).join(", ")}`,
  }).optional(),
}).check((ctx) => {
  const v = ctx.value;
  const given = SECRET_SOURCES.filter((k) => v[k] !== undefined);
  if (given.length !== 1) {
    ctx.issues.push({
      code: "custom",
      message: `${ONE_SOURCE}${given.length ? ` (found ${given.join(" and ")})` : ""}`,
      input: v,
    });
  }
  const problem = v.keyFile === undefined ? undefined : keyFileProblem(v.keyFile);
  if (problem) ctx.issues.push({ code: "custom", message: problem, input: v, path: ["keyFile"] });
});

/** Named secrets, each with its defaults applied (the file name is the attribute name). */
export const secretsSchema = z.record(z.string(), secret).check((ctx) => {
  for (const [key, v] of Object.entries(ctx.value)) {
    if (v.name === undefined && !isPlainName(key)) {
      ctx.issues.push({
        code: "custom",
        message: "a file name: the secret's name is its file name unless it sets name",
        input: v,
        path: [key],
      });
    }
  }
}).transform((rec): Secrets =>
  Object.fromEntries(
    Object.entries(rec).map(([key, v]) => {
      const source = v.keyCommand !== undefined
        ? { keyCommand: v.keyCommand }
        : v.keyFile !== undefined
        ? { keyFile: v.keyFile }
        : { text: v.text! };
      const spec: SecretSpec = {
        ...source,
        destDir: v.destDir ?? SECRET_DEFAULTS.destDir,
        name: v.name ?? key,
        user: v.user ?? SECRET_DEFAULTS.user,
        group: v.group ?? SECRET_DEFAULTS.group,
        permissions: v.permissions ?? SECRET_DEFAULTS.permissions,
        uploadAt: v.uploadAt ?? SECRET_DEFAULTS.uploadAt,
      };
      return [key, spec];
    }),
  )
);

export const SECRETS_EXPECTED =
  `an attribute set of named secrets, each with ${ONE_SOURCE} (and destDir, name, user, group, permissions, uploadAt)`;
