import assert from "node:assert/strict";
import { UsageError } from "../shared/errors.ts";
import { defineRequest } from "./request_codec.ts";
import { REQUEST_LINE_TAG } from "./request_line_codec.ts";

const EXAMPLE = defineRequest("example", { summary: "an example" }, {
  dir: { kind: "positional", what: "directory", metavar: "DIR", help: "a directory" },
  wait: { kind: "seconds", flag: "wait", default: 5, help: "how long" },
  secret: { kind: "private", help: "not on argv" },
});

Deno.test("request codec: argv in table order, private rows on the line, and back", () => {
  const request = { dir: "-odd", wait: 7, secret: "s3cret" };
  const argv = EXAMPLE.encode(request);
  assert.deepEqual(argv, ["--wait", "7", "--", "-odd"]);
  const line = EXAMPLE.encodeLine(request)!;
  assert.equal(line, `${REQUEST_LINE_TAG}{"secret":"s3cret"}\n`);
  assert.deepEqual(EXAMPLE.decode(argv, line.slice(0, -1)), request);
  // Defaults filled in; an absent private row stays absent.
  assert.deepEqual(EXAMPLE.decode(["/d"]), { dir: "/d", wait: 5 });
  assert.equal(EXAMPLE.hasLine, true);
  assert.equal(EXAMPLE.wantsHelp(["/d", "--help"]), true);
  assert.equal(EXAMPLE.wantsHelp(["--bogus", "--help"]), false);
});

Deno.test("request codec: the wrong number of positional words is a UsageError", () => {
  assert.throws(
    () => EXAMPLE.decode([]),
    (e) => e instanceof UsageError && /example takes one directory, got none/.test(e.message),
  );
  assert.throws(() => EXAMPLE.decode(["/a", "/b"]), /got '\/a' '\/b'/);
});
