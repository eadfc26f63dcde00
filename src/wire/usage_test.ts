import assert from "node:assert/strict";
import { flagsOf, type OptionTable, syntaxOf } from "./option_table.ts";
import type { RequestCodec } from "./request_codec.ts";
import { REQUESTS } from "./requests.ts";
import { helperCommandsText, helpRequested, usageOf } from "./usage.ts";

const CODECS = Object.values(REQUESTS) as unknown as RequestCodec<OptionTable>[];

/** The usage with its line breaks and indents made single spaces, to look for phrases in. */
function flat(text: string): string {
  return text.replace(/\s+/g, " ");
}

Deno.test("usage: lists every option of the table, with its help and default", () => {
  for (const codec of CODECS) {
    const usage = usageOf(codec);
    const text = flat(usage);
    assert.ok(text.startsWith(`Usage: deploy ${codec.command} `), usage);
    assert.ok(text.includes(flat(codec.about.summary)), codec.command);
    for (const [key, spec] of Object.entries(codec.table)) {
      assert.ok(text.includes(flat(spec.help)), `${codec.command} ${key}: help`);
      if (spec.kind === "private") {
        assert.match(usage, new RegExp(`^  ${key}\\b`, "m"), `${codec.command} ${key}`);
        assert.ok(usage.includes("On stdin: the request line"), codec.command);
        continue;
      }
      // Once in the synopsis, once in the list of options.
      const syntax = syntaxOf(spec);
      assert.ok(text.split(syntax).length - 1 >= 2, `${codec.command} ${key}: ${syntax}`);
      for (const [flag] of flagsOf(spec)) assert.ok(usage.includes(`--${flag}`), flag);
      if ("default" in spec && spec.default !== undefined) {
        assert.ok(
          text.includes(`(default: ${spec.default ?? "none"})`),
          `${codec.command} ${key}: default`,
        );
      }
    }
    assert.ok(usage.includes("-h, --help"), codec.command);
    assert.ok(usage.split("\n").every((line) => line.length <= 80), usage);
  }
  assert.match(usageOf(REQUESTS.confirm), /On stdin: the run's token/);
});

Deno.test("usage: -h or --help anywhere asks for it, but not as an option's value or after --", () => {
  assert.equal(helpRequested(["activate", "--help"]), usageOf(REQUESTS.activate));
  assert.equal(helpRequested(["query", "--profile-path", "/p", "-h"]), usageOf(REQUESTS.query));
  assert.equal(helpRequested(["check-health", "--help"]), usageOf(REQUESTS["check-health"]));
  assert.equal(helpRequested(["activate", "/c", "--profile-path", "/p"]), undefined);
  // A value that happens to read "--help" is a value.
  assert.equal(
    helpRequested(["revoke", "--deployer", "--help", "--to-generation", "1"]),
    undefined,
  );
  assert.equal(helpRequested(["wait", "--", "--help"]), undefined);
  // Not a helper command: the deployer's own --help (commander) answers.
  assert.equal(helpRequested(["plan", "--help"]), undefined);
  assert.equal(helpRequested(["--help"]), undefined);
});

Deno.test("usage: the deployer's --help names every helper command", () => {
  const text = flat(helperCommandsText());
  for (const command of Object.keys(REQUESTS)) assert.ok(text.includes(command), command);
  assert.ok(helperCommandsText().split("\n").every((line) => line.length <= 80));
});

Deno.test("usage: the README's helper section shows each command's synopsis as generated", () => {
  const readme = Deno.readTextFileSync(new URL("../../README.md", import.meta.url));
  for (const codec of CODECS) {
    const usage = usageOf(codec);
    // The synopsis: from `Usage:` to the first blank line.
    const synopsis = usage.slice(0, usage.indexOf("\n\n"));
    assert.ok(readme.includes(synopsis), `README lacks:\n${synopsis}`);
  }
});
