/** `--json`: every event as one line of JSON (schema: event_schema.ts). */
import type { Reporter } from "../shared/events.ts";

export function jsonReporter(write: (text: string) => void): Reporter {
  return (event) => write(`${JSON.stringify(event)}\n`);
}
