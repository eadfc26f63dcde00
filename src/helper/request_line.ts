/**
 * Reading the request line (requests.ts, REQUEST_LINE_TAG) from stdin: one
 * byte at a time, so that the helper takes its own line and nothing after it
 * (every reader on a shared stdin, sudo included, takes only its own line).
 * A line without the tag is skipped unkept: with interactive sudo it can only
 * be a password that no sudo asked for, and it must reach no file or log.
 */
import { readSync } from "node:fs";
import { Buffer } from "node:buffer";
import { REQUEST_LINE_TAG } from "../wire/requests.ts";
import { UsageError } from "../shared/errors.ts";

/** Health checks and the like are small; a line longer than this is refused. */
const MAX_LINE_BYTES = 1 << 20;
/** Lines skipped before the request line: the password line, if any, and a spare. */
const MAX_SKIPPED_LINES = 2;

/** Reads one byte; undefined at end of input. */
export type ByteReader = () => number | undefined;

/** A reader of fd 0 (blocking; the helper reads its line before doing anything else). */
export function stdinBytes(fd = 0): ByteReader {
  const one = Buffer.alloc(1);
  return () => {
    for (;;) {
      try {
        return readSync(fd, one, 0, 1, null) === 1 ? one[0] : undefined;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EAGAIN") {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
          continue;
        }
        // No stdin at all (closed, or /dev/null on some systems): no line.
        if (code === "EOF" || code === "EBADF") return undefined;
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
  const tag = Buffer.from(REQUEST_LINE_TAG, "utf8");
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
    if (tagged && bytes.length >= tag.length) return Buffer.from(bytes).toString("utf8");
  }
  throw new UsageError("no request line on stdin");
}
