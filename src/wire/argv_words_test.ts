import assert from "node:assert/strict";
import { UsageError } from "../shared/errors.ts";
import { splitArgvWords } from "./argv_words.ts";

const FLAGS = new Map([["temp-path", { value: true }], ["boot", { value: false }]]);
const split = (...args: string[]) => splitArgvWords("wait", args, FLAGS);

Deno.test("argv words: options by name, a value always the next word, positionals in order", () => {
  assert.deepEqual(split("/r", "--temp-path", "-x", "--boot", "/s"), {
    options: new Map<string, string | true>([["temp-path", "-x"], ["boot", true]]),
    positionals: ["/r", "/s"],
    help: false,
  });
  // --name=value; after `--` everything is positional; `-` is a word.
  assert.deepEqual(split("--temp-path=/t", "-", "--", "--boot"), {
    options: new Map([["temp-path", "/t"]]),
    positionals: ["-", "--boot"],
    help: false,
  });
  // deploy-rs's -d/--debug-logs and --log-dir DIR are read and dropped.
  assert.deepEqual(split("-d", "--log-dir", "/l").positionals, []);
  assert.equal(split("-h").help, true);
  assert.equal(split("/r", "--help").help, true);
  assert.equal(split("--temp-path", "--help").help, false);
});

Deno.test("argv words: an unknown, repeated or misspelt option is a UsageError naming it", () => {
  const cases: [string[], RegExp][] = [
    [["--bogus"], /unknown option '--bogus' for 'deploy wait'/],
    [["-x"], /unknown option '-x'/],
    [["-dd"], /unknown option '-dd'/],
    [["--temp-path"], /--temp-path needs a value/],
    [["--boot=yes"], /--boot takes no value, got '--boot=yes'/],
    [["--boot", "--boot"], /--boot is given more than once/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => split(...args), (e) => e instanceof UsageError && message.test(e.message));
  }
});
