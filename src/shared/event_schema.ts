/**
 * The schema of `deploy --json`: one JSON object per line on stdout. Exported
 * from mod.ts so that programs reading the stream can validate it. Built from
 * the vocabulary's lists, and checked at compile time against the event types.
 */
import { z } from "zod";
import { EVENT_PHASES, LOG_SOURCES, PROFILE_STATUSES } from "./vocabulary.ts";
import type { Same } from "./type_check.ts";
import type { DeployEvent, ProfileResult } from "./events.ts";

const where = { time: z.string(), node: z.string().optional(), profile: z.string().optional() };

const amount = z.object({ paths: z.int().min(0), bytes: z.int().min(0) });

export const ProfileResultSchema = z.object({
  node: z.string(),
  profile: z.string(),
  status: z.enum(PROFILE_STATUSES),
  ok: z.boolean(),
  message: z.string(),
  previousGeneration: z.number().nullable().optional(),
  newGeneration: z.number().nullable().optional(),
  runDir: z.string().optional(),
  failedCheck: z.object({ name: z.string(), output: z.string() }).optional(),
  hostLeft: z.enum(["deciding", "new-generation"]).optional(),
});

export const DeployEventSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("phase"),
    ...where,
    phase: z.enum(EVENT_PHASES),
    message: z.string().optional(),
    wave: z.int().min(0).optional(),
  }),
  z.object({
    type: z.literal("log"),
    ...where,
    source: z.enum(LOG_SOURCES),
    line: z.string(),
  }),
  z.object({
    type: z.literal("transfer"),
    time: z.string(),
    node: z.string(),
    cache: z.string(),
    fromCache: amount,
    overSsh: amount,
    fellBack: z.string().optional(),
  }),
  z.object({ type: z.literal("warning"), ...where, message: z.string() }),
  z.object({ type: z.literal("error"), ...where, message: z.string() }),
  z.object({
    type: z.literal("summary"),
    time: z.string(),
    ok: z.boolean(),
    profiles: z.array(ProfileResultSchema),
    healthChecksSkipped: z.boolean().optional(),
    rollback: z.boolean().optional(),
    interrupted: z.boolean().optional(),
  }),
]);

const _resultMatchesType: Same<z.infer<typeof ProfileResultSchema>, ProfileResult> = true;
const _eventMatchesType: Same<z.infer<typeof DeployEventSchema>, DeployEvent> = true;
