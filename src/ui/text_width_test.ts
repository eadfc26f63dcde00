import assert from "node:assert/strict";
import { charColumns, fitLine, lineColumns } from "./text_width.ts";

Deno.test("text width: wide characters take two columns, combining marks none, colour codes none", () => {
  assert.equal(charColumns("a"), 1);
  assert.equal(charColumns("日"), 2);
  assert.equal(charColumns("🚀"), 2);
  assert.equal(charColumns("\u0301"), 0);
  assert.equal(lineColumns("\x1b[32mdone\x1b[0m 日本"), 9);
});

Deno.test("text width: a line cut to one column less than the terminal, colour codes kept", () => {
  assert.deepEqual(fitLine("abcdef", 5), { text: "abcd", columns: 4 });
  // A wide character that would end in the last column is left out whole.
  assert.deepEqual(fitLine("ab日本", 5), { text: "ab日", columns: 4 });
  assert.deepEqual(fitLine("abc日", 5), { text: "abc", columns: 3 });
  // The reset after a cut is kept: no colour bleeds into the next line.
  assert.equal(fitLine("\x1b[31mfailed badly\x1b[0m", 6).text, "\x1b[31mfaile\x1b[0m");
  // A surrogate pair is never split.
  assert.equal(fitLine("ab🚀🚀", 4).text, "ab");
});
