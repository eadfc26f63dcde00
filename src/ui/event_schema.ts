/**
 * The schema of `deploy --json`: one JSON object per line on stdout. Exported
 * from mod.ts so that programs reading the stream can validate it.
 */
import { z } from "zod";

const where = { time: z.string(), node: z.string().optional(), profile: z.string().optional() };

export const ProfileResultSchema = z.object({
  node: z.string(),
  profile: z.string(),
  status: z.enum([
    "confirmed",
    "activated",
    "dry-activated",
    "activated-for-boot",
    "rolled-back",
    "revoked",
    "failed",
    "skipped",
  ]),
  ok: z.boolean(),
  message: z.string(),
  previousGeneration: z.number().nullable().optional(),
  newGeneration: z.number().nullable().optional(),
  runDir: z.string().optional(),
});

export const DeployEventSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("phase"),
    ...where,
    phase: z.enum([
      "checking",
      "evaluating",
      "queued",
      "building",
      "connecting",
      "copying",
      "activating",
      "confirming",
      "revoking",
      "done",
      "rolled-back",
      "failed",
      "skipped",
      "revoked",
    ]),
    message: z.string().optional(),
  }),
  z.object({
    type: z.literal("log"),
    ...where,
    source: z.enum(["nix", "ssh", "host"]),
    line: z.string(),
  }),
  z.object({ type: z.literal("warning"), ...where, message: z.string() }),
  z.object({ type: z.literal("error"), ...where, message: z.string() }),
  z.object({
    type: z.literal("summary"),
    time: z.string(),
    ok: z.boolean(),
    profiles: z.array(ProfileResultSchema),
  }),
]);
