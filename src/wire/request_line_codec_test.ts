import assert from "node:assert/strict";
import { UsageError } from "../shared/errors.ts";
import { decodeRequestLine, encodeRequestLine, REQUEST_LINE_TAG } from "./request_line_codec.ts";

Deno.test("request line: one tagged line of JSON, whatever the values hold, and back", () => {
  const fields = { healthChecks: '{"a":["echo","two\\nlines"]}\n\r', other: undefined };
  const line = encodeRequestLine(fields);
  assert.ok(line.startsWith(REQUEST_LINE_TAG));
  assert.equal(line.indexOf("\n"), line.length - 1);
  assert.deepEqual(decodeRequestLine("x", line.slice(0, -1), ["healthChecks"]), {
    healthChecks: fields.healthChecks,
  });
  assert.deepEqual(decodeRequestLine("x", undefined, ["healthChecks"]), {});
});

Deno.test("request line: a line deploy-ts does not send is a UsageError", () => {
  const cases: [string, RegExp][] = [
    ["healthChecks {}", /check-health: the request line on stdin is not what deploy-ts sends/],
    [`${REQUEST_LINE_TAG}[1]`, /not what deploy-ts sends/],
    [`${REQUEST_LINE_TAG}null`, /not what deploy-ts sends/],
    [`${REQUEST_LINE_TAG}{`, /not what deploy-ts sends/],
    [`${REQUEST_LINE_TAG}{"other":"x"}`, /unknown or wrong field 'other'/],
    [`${REQUEST_LINE_TAG}{"healthChecks":1}`, /unknown or wrong field 'healthChecks'/],
  ];
  for (const [line, message] of cases) {
    assert.throws(
      () => decodeRequestLine("check-health", line, ["healthChecks"]),
      (e) => e instanceof UsageError && message.test(e.message),
    );
  }
});
