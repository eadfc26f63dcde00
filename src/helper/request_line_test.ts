import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { type ByteReader, readRequestLine } from "./request_line.ts";
import { UsageError } from "../shared/errors.ts";

/** A reader over `text` that counts what it handed out. */
function bytes(text: string): ByteReader & { taken: () => number } {
  const b = Buffer.from(text, "utf8");
  let i = 0;
  return Object.assign(() => (i < b.length ? b[i++] : undefined), { taken: () => i });
}

Deno.test("request line: the tagged line alone, and nothing after it", () => {
  const input = 'deploy-ts-request {"healthChecks":"ünï"}\nthe next reader\'s line\n';
  const r = bytes(input);
  assert.equal(readRequestLine(r), 'deploy-ts-request {"healthChecks":"ünï"}');
  assert.equal(r.taken(), Buffer.byteLength(input.split("\n")[0]) + 1);
});

Deno.test("request line: a password line no sudo took is skipped; none at all is no line", () => {
  assert.equal(readRequestLine(bytes("hunter2\ndeploy-ts-request {}\n")), "deploy-ts-request {}");
  assert.equal(readRequestLine(bytes("")), undefined);
  assert.equal(readRequestLine(bytes("hunter2\n")), undefined);
  // Cut short: no request.
  assert.equal(readRequestLine(bytes("deploy-ts-request {}")), undefined);
  assert.throws(() => readRequestLine(bytes("a\nb\nc\nd\n")), UsageError);
});
