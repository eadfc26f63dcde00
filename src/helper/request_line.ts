/**
 * Reading the request line (requests.ts, REQUEST_LINE_TAG) from stdin: one
 * byte at a time, so that the helper takes its own line and nothing after it
 * (every reader on a shared stdin, sudo included, takes only its own line).
 * A line without the tag is skipped unkept: with interactive sudo it can only
 * be a password that no sudo asked for, and it must reach no file or log.
 */
import { REQUEST_LINE_TAG } from "../wire/requests.ts";
import { UsageError } from "../shared/errors.ts";

/** Health checks and the like are small; a line longer than this is refused. */
const MAX_LINE_BYTES = 1 << 20;
/** Lines skipped before the request line: the password line, if any, and a spare. */
const MAX_SKIPPED_LINES = 2;

/** Reads one byte; undefined at end of input. */
export type ByteReader = () => number | undefined;

/** A reader of stdin (blocking; the helper reads its line before doing anything else). */
export function stdinBytes(
  input: { readSync(p: Uint8Array): number | null } = Deno.stdin,
): ByteReader {
  const one = new Uint8Array(1);
  return () => {
    for (;;) {
      try {
        return input.readSync(one) === 1 ? one[0] : undefined;
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === "EAGAIN" || e instanceof Deno.errors.WouldBlock) {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
          continue;
        }
        // No stdin at all (closed, or /dev/null on some systems): no line.
        if (code === "EOF" || code === "EBADF" || e instanceof Deno.errors.BadResource) {
          return undefined;
        }
        throw e;
      }
    }
  };
}

/**
 * The request line, tag included and without its newline; undefined when
 * stdin ends first (no request line: nothing private was sent).
 */
export function readRequestLine(next: ByteReader = stdinBytes()): string | undefined {
  const tag = new TextEncoder().encode(REQUEST_LINE_TAG);
  for (let skipped = 0; skipped <= MAX_SKIPPED_LINES; skipped++) {
    const bytes: number[] = [];
    let tagged = true;
    for (;;) {
      const b = next();
      if (b === undefined) {
        // A tagged line cut short is no request; an untagged one is dropped.
        return undefined;
      }
      if (b === 0x0a) break;
      if (!tagged) continue; // skipping: not even kept
      if (bytes.length < tag.length && b !== tag[bytes.length]) {
        tagged = false;
        bytes.length = 0;
        continue;
      }
      if (bytes.length >= MAX_LINE_BYTES) {
        throw new UsageError(`the request line on stdin is longer than ${MAX_LINE_BYTES} bytes`);
      }
      bytes.push(b);
    }
    if (tagged && bytes.length >= tag.length) {
      return new TextDecoder().decode(Uint8Array.from(bytes));
    }
  }
  throw new UsageError("no request line on stdin");
}
