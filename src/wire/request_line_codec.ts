/**
 * The request line: how values other local users must not read (health-check
 * commands, which may hold credentials) travel to the helper. `ps` shows
 * argv to everyone on both sides, so these ride on stdin instead, as one
 * tagged line of JSON, which the helper reads itself one byte at a time
 * (src/helper/request_line.ts).
 */
import { UsageError } from "../shared/errors.ts";

/**
 * Starts the request line on stdin. A reader skips lines without it: with
 * interactive sudo, a password line that no sudo took (a rule that needs no
 * password after all) is dropped there, never kept or written anywhere.
 */
export const REQUEST_LINE_TAG = "deploy-ts-request ";

/** The line for these fields (undefined ones left out): tag, JSON, newline. */
export function encodeRequestLine(fields: Record<string, string | undefined>): string {
  const line = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  // JSON has no raw newline: the line stays one line whatever the values hold.
  return `${REQUEST_LINE_TAG}${JSON.stringify(line)}\n`;
}

/**
 * The fields of a request line (without its newline); {} when none came.
 * Only the fields in `known`, each a string: anything else is a UsageError,
 * as the line is not what deploy-ts sends.
 */
export function decodeRequestLine(
  command: string,
  line: string | undefined,
  known: readonly string[],
): Record<string, string> {
  if (line === undefined) return {};
  let v: unknown;
  try {
    v = line.startsWith(REQUEST_LINE_TAG)
      ? JSON.parse(line.slice(REQUEST_LINE_TAG.length))
      : undefined;
  } catch {
    v = undefined;
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    throw new UsageError(`${command}: the request line on stdin is not what deploy-ts sends`);
  }
  for (const [key, value] of Object.entries(v)) {
    if (!known.includes(key) || typeof value !== "string") {
      throw new UsageError(`${command}: unknown or wrong field '${key}' in the request line`);
    }
  }
  return v as Record<string, string>;
}
