/**
 * What the helper prints, parsed at the edge: the deployer trusts nothing a
 * host says until it has the shape the protocol promises. A line that is not
 * an event is host output to show; an event of the wrong shape is an error
 * that names it, never a cast.
 */
import { z } from "zod";
import { DeployError, type ErrorContext } from "../shared/errors.ts";
import type { HelperEvent, RunStatus } from "../wire/protocol.ts";
import type { ProfileDescription } from "../helper/query.ts";
import type { CheckResult } from "../shared/health_checks.ts";
import type { Same } from "../shared/type_check.ts";
import { OUTCOMES, RUN_PHASES } from "../shared/vocabulary.ts";

const generation = z.int().nonnegative().nullable();

const RunStatusSchema = z.object({
  phase: z.enum(RUN_PHASES),
  outcome: z.enum(OUTCOMES).optional(),
  message: z.string().optional(),
  pid: z.int(),
  profilePath: z.string(),
  closure: z.string(),
  previousGeneration: generation.optional(),
  newGeneration: generation.optional(),
  createdGeneration: generation.optional(),
  activeGeneration: generation.optional(),
  startedAt: z.number(),
  updatedAt: z.number(),
  confirmDeadline: z.number().optional(),
  failedCheck: z.object({ name: z.string(), output: z.string() }).optional(),
});

const HelperEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("run"), runDir: z.string(), token: z.string().optional() }),
  z.object({ type: z.literal("phase"), phase: z.enum(RUN_PHASES), status: RunStatusSchema }),
  z.object({ type: z.literal("log"), line: z.string() }),
  z.object({
    type: z.literal("outcome"),
    outcome: z.enum(OUTCOMES),
    ok: z.boolean(),
    message: z.string(),
    status: RunStatusSchema,
  }),
]);

const ActivationRecordSchema = z.object({
  time: z.string(),
  profilePath: z.string(),
  closure: z.string(),
  deployer: z.string(),
  outcome: z.enum(OUTCOMES),
  message: z.string(),
  previousGeneration: generation,
  newGeneration: generation,
  activeGeneration: generation,
  runDir: z.string(),
});

const ProfileDescriptionSchema = z.object({
  profilePath: z.string(),
  generation,
  closure: z.string().nullable(),
  generations: z.array(z.object({ generation: z.int(), closure: z.string().nullable() })),
  record: ActivationRecordSchema.nullable(),
  recovered: z.string().nullable().optional(),
  lastAttempt: ActivationRecordSchema.nullable().optional(),
  pending: z.object({
    runDir: z.string(),
    deployer: z.string(),
    closure: z.string(),
    since: z.number(),
    phase: z.enum(RUN_PHASES).nullable(),
    confirmDeadline: z.number().nullable(),
  }).nullable().optional(),
  runningClosure: z.string().nullable().optional(),
});

/** What `deploy check-health` prints: one result per host-side check. */
const CheckResultsSchema = z.array(
  z.object({ name: z.string(), ok: z.boolean(), output: z.string() }),
);

// The schemas and the helper's own types describe the same data.
const _status: Same<z.infer<typeof RunStatusSchema>, RunStatus> = true;
const _event: Same<z.infer<typeof HelperEventSchema>, HelperEvent> = true;
const _description: Same<z.infer<typeof ProfileDescriptionSchema>, ProfileDescription> = true;

/**
 * One line of the helper's stdout: an event, or undefined for text that is
 * not one (shown as host output). A line that claims to be an event but is
 * malformed is an error: the host speaks another protocol than this deployer.
 */
export function parseHelperEvent(line: string, context: ErrorContext): HelperEvent | undefined {
  if (!line.startsWith("{")) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof (json as { type?: unknown })?.type !== "string") return undefined;
  const parsed = HelperEventSchema.safeParse(json);
  if (!parsed.success) {
    throw new DeployError(
      `the helper on the host printed an event this deployer does not understand (${
        parsed.error.issues[0]?.message
      } at ${parsed.error.issues[0]?.path.join(".")}): ${line.slice(0, 200)}`,
      context,
    );
  }
  return parsed.data;
}

/** The last line of `deploy query`'s stdout: the profile as the host sees it. */
export function parseProfileDescription(stdout: string, context: ErrorContext): ProfileDescription {
  const last = stdout.trim().split("\n").at(-1) ?? "";
  let json: unknown;
  try {
    json = JSON.parse(last);
  } catch {
    throw new DeployError(`the helper's answer is not JSON: ${last.slice(0, 200)}`, context);
  }
  const parsed = ProfileDescriptionSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DeployError(
      `the helper's description of the profile is malformed (${issue?.message} at ${
        issue?.path.join(".")
      })`,
      context,
    );
  }
  return parsed.data;
}

/**
 * The last line of `deploy check-health`'s stdout: each host-side check's
 * result (command checks, the only kind the host runs).
 */
export function parseCheckResults(stdout: string, context: ErrorContext): CheckResult[] {
  let json: unknown;
  try {
    json = JSON.parse(stdout.trim().split("\n").at(-1) ?? "");
  } catch {
    json = undefined;
  }
  const parsed = CheckResultsSchema.safeParse(json);
  if (!parsed.success) {
    throw new DeployError(
      "the helper's health check results are not what deploy-ts expects",
      context,
    );
  }
  return parsed.data.map((x) => ({ name: x.name, kind: "command", ok: x.ok, output: x.output }));
}
