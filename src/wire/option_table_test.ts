import assert from "node:assert/strict";
import { UsageError } from "../shared/errors.ts";
import { decodeField, encodeField, flagsOf, type OptionSpec, syntaxOf } from "./option_table.ts";

const SPECS: { spec: Exclude<OptionSpec, { kind: "private" }>; values: unknown[] }[] = [
  { spec: { kind: "profile", help: "" }, values: [{ path: "/p" }, { user: "u", name: "n" }] },
  { spec: { kind: "goal", help: "" }, values: ["switch", "dry-activate", "boot"] },
  { spec: { kind: "flag", flag: "boot", help: "" }, values: [true, false] },
  { spec: { kind: "string", flag: "temp-path", help: "" }, values: ["/t", "-x", ""] },
  { spec: { kind: "seconds", flag: "t", help: "" }, values: [1, 2147483] },
  { spec: { kind: "generation", flag: "g", help: "" }, values: [0, 12] },
  { spec: { kind: "generation-or-none", flag: "g", help: "" }, values: [null, 3] },
];

/** The options map a row's words give, as argv_words.ts makes it. */
function optionsOf(words: string[]): Map<string, string | true> {
  const options = new Map<string, string | true>();
  for (let i = 0; i < words.length; i++) {
    const name = words[i].slice(2);
    const takes = SPECS.some(({ spec }) =>
      flagsOf(spec).some(([flag, { value }]) => flag === name && value)
    );
    options.set(name, takes ? words[++i] : true);
  }
  return options;
}

Deno.test("option table: each kind's words decode to the value they encode", () => {
  for (const { spec, values } of SPECS) {
    for (const value of values) {
      const words = encodeField(spec, value);
      if (spec.kind === "positional") continue;
      assert.deepEqual(decodeField("x", spec, optionsOf(words)), value, JSON.stringify(words));
      for (const word of words.filter((w) => w.startsWith("--"))) {
        assert.ok(syntaxOf(spec).includes(word), `${word} in ${syntaxOf(spec)}`);
      }
    }
  }
  assert.deepEqual(encodeField({ kind: "positional", what: "w", metavar: "W", help: "" }, "-a"), [
    "-a",
  ]);
});

Deno.test("option table: a missing required value, or one out of range, is a UsageError", () => {
  const required: OptionSpec = { kind: "generation-or-none", flag: "to", required: true, help: "" };
  assert.throws(
    () => decodeField("revoke", required, new Map()),
    (e) =>
      e instanceof UsageError &&
      /revoke needs --to \(a generation number or 'none'\)/.test(e.message),
  );
  const seconds: OptionSpec = { kind: "seconds", flag: "t", default: 30, help: "" };
  assert.equal(decodeField("x", seconds, new Map()), 30);
  for (const text of ["0", "2147484", "1e3", " 1"]) {
    assert.throws(() => decodeField("x", seconds, new Map([["t", text]])), UsageError, text);
  }
});
