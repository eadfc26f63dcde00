/**
 * The schema of the flake's `deploy` output (deploy-rs reference §2), as
 * deploy-ts reads it after evaluation: zod for the shape, and messages of our
 * own that name the node, the profile and the field, what was expected and
 * what was found.
 */
import { z } from "zod";
import { ConfigError, describeContext, type ErrorContext } from "../shared/errors.ts";
import { closest } from "./suggest.ts";
import { MAX_TIMEOUT_SECONDS } from "../shared/vocabulary.ts";
import { HEALTH_CHECK_KINDS, type HealthCheck } from "../shared/health_checks.ts";
import type { Same } from "../shared/type_check.ts";
import { SECRETS_EXPECTED, secretsSchema } from "./secret_schema.ts";
import {
  type GenericSettings,
  SETTING_NAMES,
  type SettingKind,
  type SettingKinds,
  type SettingName,
  SETTINGS,
  type SettingSpec,
  TRANSPORTS,
} from "./settings_table.ts";
import { type BinaryCacheSetting, CACHE_URI_EXPECTED, isCacheUri } from "./binary_cache.ts";

/** The largest `wave` a node may have: plenty, and still a safe integer. */
export const MAX_WAVE = 1_000_000;

/**
 * A tag is a word that `--on @tag` can name: not empty, and none of the
 * characters that separate or match in a selection (space, `,` `;` `@` `*` `?`).
 */
export const TAG = /^[^\s,;@*?]+$/;

const ONE_OF = `exactly one of ${HEALTH_CHECK_KINDS.join(", ")}`;

/** One health check: exactly one of command, http, tcp (src/health_checks.ts). */
const healthCheck = z.strictObject({
  command: z.array(z.string()).min(1, { message: "a non-empty list of strings (the argv)" })
    .optional(),
  http: z.string().regex(/^https?:\/\/[^\s]+$/, {
    message: 'a URL starting with "http://" or "https://"',
  }).optional(),
  expectStatus: z.int().min(100).max(599).optional(),
  tcp: z.string().regex(/^(\[[^\]]+\]|[^\s:]+):[0-9]{1,5}$/, {
    message: 'an address "host:port"',
  }).optional(),
}).check((ctx) => {
  const v = ctx.value;
  const given = HEALTH_CHECK_KINDS.filter((k) => v[k] !== undefined);
  if (given.length !== 1) {
    ctx.issues.push({
      code: "custom",
      message: `${ONE_OF}${given.length ? ` (found ${given.join(" and ")})` : ""}`,
      input: v,
    });
  } else if (v.expectStatus !== undefined && v.http === undefined) {
    ctx.issues.push({
      code: "custom",
      message: "expectStatus only with http",
      input: v,
      path: ["expectStatus"],
    });
  }
}).transform((v): HealthCheck =>
  v.command !== undefined
    ? { command: v.command }
    : v.http !== undefined
    ? { http: v.http, ...(v.expectStatus === undefined ? {} : { expectStatus: v.expectStatus }) }
    : { tcp: v.tcp! }
);

const cacheUri = z.string().refine(isCacheUri, { message: CACHE_URI_EXPECTED });
/** `false`, or `{ upload, url }` with `url` defaulting to `upload` (binary_cache.ts). */
const binaryCache = z.union([
  z.literal(false),
  z.strictObject({ upload: cacheUri, url: cacheUri.optional() })
    .transform((c): BinaryCacheSetting => ({ upload: c.upload, url: c.url ?? c.upload })),
]);

/** The one schema of each kind of setting value (settings_table.ts). */
const KIND_SCHEMAS = {
  // Every value deploy-rs's types accept (reference §2.1: strings, u16
  // timeouts from 0); what may not be used is refused once the flags are laid
  // on top (final_ranges.ts), so that a flag can override a bad flake value.
  user: z.string(),
  command: z.string(),
  bool: z.boolean(),
  seconds: z.int().min(0).max(MAX_TIMEOUT_SECONDS),
  path: z.string(),
  words: z.array(z.string()),
  transport: z.enum(TRANSPORTS),
  healthChecks: z.record(z.string(), healthCheck),
  binaryCache,
  secrets: secretsSchema,
} as const satisfies { [K in SettingKind]: z.ZodType<SettingKinds[K], unknown> };

/** What each kind must be, in words, for messages. */
const KIND_EXPECTED: Record<SettingKind, string> = {
  user: "a user name (a string)",
  command: 'a command prefix such as "sudo -u" (a string)',
  bool: "true or false",
  seconds: "a whole number of seconds (0 or more)",
  path: "a path (a string)",
  words: "a list of strings",
  transport: `one of ${TRANSPORTS.map((t) => JSON.stringify(t)).join(", ")}`,
  healthChecks: `an attribute set of named checks, each with ${ONE_OF}`,
  binaryCache: `false, or { upload; url (optional) }, each ${CACHE_URI_EXPECTED}`,
  secrets: SECRETS_EXPECTED,
};

type GenericShape = {
  [K in SettingName]: z.ZodOptional<(typeof KIND_SCHEMAS)[(typeof SETTINGS)[K]["kind"]]>;
};

/** Settings allowed at every level: deploy, node and profile, from the settings table. */
const generic = Object.fromEntries(
  SETTING_NAMES.map((k) => [k, KIND_SCHEMAS[SETTINGS[k].kind].optional()]),
) as GenericShape;

export const ProfileSchema = z.looseObject({
  ...generic,
  path: z.string().startsWith("/"),
  profilePath: z.string().startsWith("/").optional(),
  /** Added by evaluation: the derivation that builds `path`, when Nix knows it. */
  drvPath: z.string().optional(),
});

export const NodeSchema = z.looseObject({
  ...generic,
  // Checked for "-" and emptiness in plan.ts, after --hostname.
  hostname: z.string(),
  profiles: z.record(z.string(), ProfileSchema),
  profilesOrder: z.array(z.string()).optional(),
  /** The node's wave in a rollout (src/deploy/waves.ts): smaller waves go first. */
  wave: z.int().min(0).max(MAX_WAVE).optional(),
  /** Words that select the node with `--on @tag` (src/config/node_selector.ts). */
  tags: z.array(
    z.string().regex(TAG, {
      message: "a tag: a non-empty word without spaces or any of , ; @ * ?",
    }),
  ).optional(),
});

export const DeploySchema = z.looseObject({
  ...generic,
  nodes: z.record(z.string(), NodeSchema),
});

// The schema and the table agree on every setting's type.

const _genericMatchesTable: Same<z.infer<z.ZodObject<GenericShape>>, GenericSettings> = true;

export type { GenericSettings };
export type ProfileConfig = z.infer<typeof ProfileSchema>;
export type NodeConfig = z.infer<typeof NodeSchema>;
export type DeployConfig = z.infer<typeof DeploySchema>;

/** What each field must be, in words, for messages. */
const EXPECTED: Record<string, string> = {
  ...Object.fromEntries(SETTING_NAMES.map((k) => {
    const spec: SettingSpec = SETTINGS[k];
    return [k, spec.expected ?? KIND_EXPECTED[spec.kind]];
  })),
  path: "a derivation or a store path (a string starting with /)",
  profilePath: "an absolute path (a string starting with /)",
  hostname: "a host name (a string)",
  profiles: "an attribute set of profiles",
  profilesOrder: "a list of profile names",
  wave: "a whole number of 0 or more (the node's wave in a rollout)",
  tags: "a list of tags, each a non-empty word without spaces or any of , ; @ * ?",
  nodes: "an attribute set of nodes",
};

const GENERIC_KEYS: string[] = SETTING_NAMES;
const DEPLOY_KEYS = new Set([...GENERIC_KEYS, "nodes"]);
const NODE_ONLY = ["wave", "tags"] as const;
const NODE_KEYS = new Set([...GENERIC_KEYS, "hostname", "profiles", "profilesOrder", ...NODE_ONLY]);
const PROFILE_KEYS = new Set([...GENERIC_KEYS, "path", "profilePath", "drvPath"]);

export interface ValidatedDeploy {
  config: DeployConfig;
  /** Unknown keys, each with the closest known name where one is close. */
  warnings: string[];
}

/**
 * Validate an evaluated `deploy` output. `_profileNames` (every profile of
 * each node) is no longer needed here: plan.ts checks `profilesOrder`.
 */
export function validateDeploy(
  raw: unknown,
  _profileNames: Record<string, string[]> = {},
): ValidatedDeploy {
  const parsed = DeploySchema.safeParse(withoutNulls(raw));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => describeIssue(raw, issue));
    if (problems.length === 1) throw new ConfigError(problems[0].text, problems[0].context);
    throw new ConfigError(
      `the deploy output has ${problems.length} problems:\n  ${
        problems.map((p) => `${describeContext(p.context)}: ${p.text}`).join("\n  ")
      }`,
    );
  }
  const config = parsed.data;
  const problems: string[] = [];
  // A wave ignored on a profile would deploy that node in the first wave,
  // ahead of the canaries it was meant to wait for; tags ignored there would
  // leave the node out of `--on @tag`: refuse both.
  const misplacedNodeSetting = (obj: Record<string, unknown>, context: ErrorContext) => {
    for (const field of NODE_ONLY) {
      if (!(field in obj)) continue;
      problems.push(
        `${
          describeContext({ ...context, field })
        }: ${field} is a node setting; it belongs to a node (nodes.<name>.${field}), not ${
          context.profile === undefined ? "to the top level of deploy" : "to a profile"
        }`,
      );
    }
  };
  misplacedNodeSetting(config, {});
  // profilesOrder's names are checked in plan.ts, and only when the whole
  // node is deployed: deploy-rs reads the list only then.
  for (const [node, n] of Object.entries(config.nodes)) {
    for (const [profile, p] of Object.entries(n.profiles)) {
      misplacedNodeSetting(p, { node, profile });
    }
  }
  if (problems.length) {
    throw new ConfigError(problems.length === 1 ? problems[0] : problems.join("\n"));
  }
  return { config, warnings: unknownKeyWarnings(config) };
}

function unknownKeyWarnings(config: DeployConfig): string[] {
  const warnings: string[] = [];
  const check = (obj: Record<string, unknown>, known: Set<string>, context: ErrorContext) => {
    for (const key of Object.keys(obj)) {
      if (known.has(key)) continue;
      const where = describeContext({ ...context, field: key });
      const elsewhere = key === "hostname" || key === "profilesOrder"
        ? "; it belongs to a node"
        : key === "path" || key === "profilePath"
        ? "; it belongs to a profile"
        : "";
      const hint = elsewhere ? "" : closest(key, known);
      warnings.push(
        `${where}: unknown setting, ignored${elsewhere}${hint ? `; did you mean ${hint}?` : ""}`,
      );
    }
  };
  check(config, DEPLOY_KEYS, {});
  for (const [node, n] of Object.entries(config.nodes)) {
    check(n, NODE_KEYS, { node });
    for (const [profile, p] of Object.entries(n.profiles)) {
      check(p, PROFILE_KEYS, { node, profile });
    }
  }
  return warnings;
}

/** Map a schema path to node/profile/field: ["nodes", n, "profiles", p, field, …]. */
function contextOf(path: readonly PropertyKey[]): ErrorContext {
  const p = path.map(String);
  const context: ErrorContext = {};
  let rest = p;
  if (rest[0] === "nodes" && rest.length > 1) {
    context.node = rest[1];
    rest = rest.slice(2);
    if (rest[0] === "profiles" && rest.length > 1) {
      context.profile = rest[1];
      rest = rest.slice(2);
    }
  }
  // A list index in brackets, a named entry (a health check) after a dot.
  if (rest.length) {
    context.field = rest[0] +
      rest.slice(1).map((i) => /^[0-9]+$/.test(i) ? `[${i}]` : `.${i}`).join("");
  }
  return context;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): { found: boolean; value?: unknown } {
  let v: unknown = root;
  for (const key of path) {
    if (v === null || typeof v !== "object" || !(String(key) in v)) return { found: false };
    v = (v as Record<string, unknown>)[String(key)];
  }
  return { found: true, value: v };
}

function describeIssue(
  root: unknown,
  issue: z.core.$ZodIssue,
): { context: ErrorContext; text: string } {
  const context = contextOf(issue.path);
  const at = valueAt(root, issue.path);
  const fieldName = issue.path.length ? String(issue.path.at(-1)) : "";
  const topField = context.field?.replace(/[[.].*$/, "");
  if (!at.found) {
    return {
      context,
      text: `required field is missing (expected ${EXPECTED[fieldName] ?? issue.message})`,
    };
  }
  if (!context.field && issue.path.length > 0) {
    const kind = issue.path.length === 2 ? "node" : "profile";
    return {
      context,
      text: `expected the ${kind} to be an attribute set, found ${describeValue(at.value)}`,
    };
  }
  const expected = issue.code === "custom"
    ? issue.message
    : context.field === topField && topField !== undefined
    ? EXPECTED[topField] ?? issue.message
    : issue.code === "invalid_type"
    ? `a ${issue.expected}`
    : issue.message;
  const limit = issue.code === "too_big" ? ` (at most ${issue.maximum})` : "";
  return { context, text: `expected ${expected}, found ${describeValue(at.value)}${limit}` };
}

/** A value as a user would recognise it from their Nix code. */
export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) {
    return v.length === 0 ? "an empty list" : `a list (${truncate(JSON.stringify(v))})`;
  }
  switch (typeof v) {
    case "string":
      return `the string ${truncate(JSON.stringify(v))}`;
    case "number":
      return Number.isInteger(v) ? `the number ${v}` : `the number ${v} (not whole)`;
    case "boolean":
      return String(v);
    case "object":
      return `an attribute set (${truncate(JSON.stringify(v))})`;
    default:
      return typeof v;
  }
}

function truncate(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * deploy-rs reads each setting as a Rust `Option`, so a Nix `null` is as good
 * as leaving the setting out; the lists (sshOpts, profilesOrder) are plain
 * `Vec`s there, and null stays an error for them as it is in deploy-rs.
 */
const NULLABLE = new Set<string>([
  ...SETTING_NAMES.filter((k) => SETTINGS[k].merge !== "concat"),
  "profilePath",
]);

function withoutNulls(raw: unknown): unknown {
  const strip = (
    level: unknown,
    inner?: (v: Record<string, unknown>) => Record<string, unknown>,
  ) => {
    if (level === null || typeof level !== "object" || Array.isArray(level)) return level;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(level)) {
      if (v === null && NULLABLE.has(k)) continue;
      out[k] = v;
    }
    return inner ? inner(out) : out;
  };
  const mapAll = (v: unknown, f: (x: unknown) => unknown) =>
    v === null || typeof v !== "object" || Array.isArray(v)
      ? v
      : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, f(x)]));
  return strip(raw, (d) => ({
    ...d,
    ...("nodes" in d
      ? {
        nodes: mapAll(d.nodes, (n) =>
          strip(n, (nn) => ({
            ...nn,
            ...("profiles" in nn ? { profiles: mapAll(nn.profiles, (p) => strip(p)) } : {}),
          }))),
      }
      : {}),
  }));
}
