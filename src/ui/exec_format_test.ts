import assert from "node:assert/strict";
import { formatExecJson, formatExecLine, formatExecSummary } from "./exec_format.ts";

Deno.test("exec output: each line prefixed with its node, control characters escaped", () => {
  assert.equal(formatExecLine("web-1", "hello"), "[web-1] hello\n");
  assert.equal(formatExecLine("web-1", "\x1b[2Jx\r"), "[web-1] \\x1b[2Jx\\r\n");
});

Deno.test("exec summary: every node's exit code, then the count", () => {
  assert.equal(
    formatExecSummary([
      { node: "web-1", destination: "d@w1", code: 0, ok: true },
      { node: "db", destination: "d@db", code: 3, ok: false },
      { node: "n1", destination: "d@n1", code: null, error: "no login: refused", ok: false },
    ]),
    [
      "  web-1  ok      exit 0",
      "  db     FAILED  exit 3",
      "  n1     FAILED  no login: refused",
      "the command failed on 2 of 3 nodes",
      "",
    ].join("\n"),
  );
  assert.match(
    formatExecSummary([{ node: "a", destination: "d@a", code: 0, ok: true }]),
    /the command succeeded on the node\n$/,
  );
});

Deno.test("exec --json: one object per line, with its time", () => {
  const time = new Date("2026-12-03T12:00:00Z");
  assert.equal(
    formatExecJson({ type: "exec-output", node: "a", stream: "stdout", line: "hi" }, time),
    '{"type":"exec-output","node":"a","stream":"stdout","line":"hi","time":"2026-12-03T12:00:00.000Z"}\n',
  );
});
