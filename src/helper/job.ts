/**
 * What the detached worker is to do, as `start` writes it into the run
 * directory (`job.json`) and the worker, `wait` and the recovery read it
 * back. Read back, it is checked field by field before anything acts on it:
 * a file of the wrong shape is refused with what is wrong, never cast. The
 * check is written by hand (no zod): it runs on every helper start.
 */
import { DeployError } from "../shared/errors.ts";
import type { Same } from "../shared/type_check.ts";
import {
  ACTIVATION_GOALS,
  type ActivationGoal,
  MAX_TIMEOUT_SECONDS,
} from "../shared/vocabulary.ts";

/** What the detached worker is to do: activate a closure, or revoke back to a generation. */
export type Job = ActivationJob | RevokeJob;

export interface ActivationJob {
  kind: "activate";
  closure: string;
  profilePath: string;
  goal: ActivationGoal;
  autoRollback: boolean;
  magicRollback: boolean;
  confirmTimeout: number;
  /** Who deployed, for the host's record. */
  deployer: string;
  /** Switch to this existing generation (deploy rollback) instead of adding one. */
  generation?: number;
  /** Seconds the activation entry may run; the worker kills it after that and rolls back. */
  activationTimeout?: number;
  /** Host-side health checks, name → argv, run after activation as the profile's user. */
  healthChecks?: Record<string, string[]>;
  /**
   * Set when the profile has health checks on either side: the seconds they
   * may take, added to the confirmation window.
   */
  healthTimeout?: number;
  healthInterval?: number;
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
  /** Revoke only while the profile is still on this generation (the one the run made). */
  expectGeneration: number | null;
  activationTimeout?: number;
}

/** How one field is checked: what its value must be, and the test. */
interface FieldCheck<T> {
  expected: string;
  test: (value: unknown) => value is T;
}

const isWhole = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const text: FieldCheck<string> = {
  expected: "a string",
  test: (v): v is string => typeof v === "string",
};
const flag: FieldCheck<boolean> = {
  expected: "true or false",
  test: (v): v is boolean => typeof v === "boolean",
};
const seconds: FieldCheck<number> = {
  expected: `a whole number of seconds up to ${MAX_TIMEOUT_SECONDS}`,
  test: (v): v is number => isWhole(v) && v <= MAX_TIMEOUT_SECONDS,
};
const generation: FieldCheck<number> = { expected: "a generation number", test: isWhole };
const generationOrNull: FieldCheck<number | null> = {
  expected: "a generation number or null",
  test: (v): v is number | null => v === null || isWhole(v),
};
const goal: FieldCheck<ActivationGoal> = {
  expected: ACTIVATION_GOALS.map((g) => `"${g}"`).join(", ").replace(/, ([^,]*)$/, " or $1"),
  test: (v): v is ActivationGoal => (ACTIVATION_GOALS as readonly unknown[]).includes(v),
};
const argvByName: FieldCheck<Record<string, string[]>> = {
  expected: "an object of name → argv (lists of strings)",
  test: (v): v is Record<string, string[]> =>
    v !== null && typeof v === "object" && !Array.isArray(v) &&
    Object.values(v).every((argv) => Array.isArray(argv) && argv.every((w) => text.test(w))),
};

/** Each field of a job kind with its check; optional fields may be absent. */
type Fields<J> = {
  [K in Exclude<keyof J, "kind">]-?: {
    check: FieldCheck<Exclude<J[K], undefined>>;
    optional: undefined extends J[K] ? true : false;
  };
};
const required = <T>(check: FieldCheck<T>) => ({ check, optional: false as const });
const optional = <T>(check: FieldCheck<T>) => ({ check, optional: true as const });

const ACTIVATION_FIELDS: Fields<ActivationJob> = {
  closure: required(text),
  profilePath: required(text),
  goal: required(goal),
  autoRollback: required(flag),
  magicRollback: required(flag),
  confirmTimeout: required(seconds),
  deployer: required(text),
  generation: optional(generation),
  activationTimeout: optional(seconds),
  healthChecks: optional(argvByName),
  healthTimeout: optional(seconds),
  healthInterval: optional(seconds),
};
const REVOKE_FIELDS: Fields<RevokeJob> = {
  profilePath: required(text),
  toGeneration: required(generationOrNull),
  removeGeneration: required(generationOrNull),
  boot: required(flag),
  deployer: required(text),
  expectGeneration: required(generationOrNull),
  activationTimeout: optional(seconds),
};
const FIELDS: { [K in Job["kind"]]: Fields<Extract<Job, { kind: K }>> } = {
  activate: ACTIVATION_FIELDS,
  revoke: REVOKE_FIELDS,
};
// Every kind of job has its table of checks, and no other kind does.
const _kinds: Same<keyof typeof FIELDS, Job["kind"]> = true;

/**
 * The job in `text` (job.json's content, read from `path`); a DeployError
 * naming the file and the field when it is not a job this helper writes.
 */
export function parseJob(text: string, path: string): Job {
  const refuse = (what: string): never => {
    throw new DeployError(`${path} is not a job this helper can carry out: ${what}`);
  };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return refuse(`not JSON (${(e as Error).message})`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return refuse("not a JSON object");
  }
  const job = value as Record<string, unknown>;
  const kind = job.kind;
  if (kind !== "activate" && kind !== "revoke") {
    return refuse(`kind: expected "activate" or "revoke", found ${shown(kind)}`);
  }
  const fields: Record<string, { check: FieldCheck<unknown>; optional: boolean }> = FIELDS[kind];
  for (const [name, { check, optional }] of Object.entries(fields)) {
    const field = job[name];
    if (field === undefined && optional) continue;
    if (!check.test(field)) {
      refuse(`${name}: expected ${check.expected}, found ${shown(field)}`);
    }
  }
  return job as unknown as Job;
}

/** A value as a message shows it: JSON, cut short; "nothing" when absent. */
function shown(value: unknown): string {
  return value === undefined ? "nothing" : (JSON.stringify(value) ?? String(value)).slice(0, 80);
}
