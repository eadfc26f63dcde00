/** The events of a `deploy --json` run, each checked against the published schema. */
import { DeployEventSchema } from "../../src/shared/event_schema.ts";
import type { DeployEvent } from "../../src/shared/events.ts";

export function jsonEvents(stdout: string): DeployEvent[] {
  return stdout.trim().split("\n").filter(Boolean).map((l) =>
    DeployEventSchema.parse(JSON.parse(l)) as DeployEvent
  );
}
