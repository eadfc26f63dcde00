import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { shellQuote, shellQuoteArgv, shellSplit } from "./shell_quote.ts";

const NASTY = [
  "plain",
  "",
  "with space",
  "it's",
  "'",
  "''",
  '"double"',
  "$HOME",
  "${x:-y}",
  "`id`",
  "$(id)",
  "a\\b",
  "new\nline",
  "tab\there",
  "*.nix",
  "~root",
  "semi;colon",
  "pipe|amp&",
  "-o StrictHostKeyChecking=no",
  "ünïcödé ✓",
  "#comment",
  "!bang",
];

/** What a real POSIX shell makes of a command line, as an argv. */
function shellArgv(commandLine: string): string[] {
  const out = spawnSync(
    "/bin/sh",
    ["-c", `for a in ${commandLine}; do printf '%s\\0' "$a"; done`],
    {
      encoding: "utf8",
    },
  );
  assert.equal(out.status, 0, out.stderr);
  return out.stdout.split("\0").slice(0, -1);
}

Deno.test("shellQuoteArgv: a real shell reads every word back unchanged", () => {
  assert.deepEqual(shellArgv(shellQuoteArgv(NASTY)), NASTY);
});

Deno.test("shellQuote leaves safe words bare and quotes the rest", () => {
  assert.equal(shellQuote("/nix/store/abc-hello/bin/deploy"), "/nix/store/abc-hello/bin/deploy");
  assert.equal(shellQuote("--confirm-timeout=30"), "--confirm-timeout=30");
  assert.equal(shellQuote(""), "''");
  assert.equal(shellQuote("a b"), "'a b'");
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
});

Deno.test("shellSplit splits like a shell: quotes kept together, no splitting on every space", () => {
  assert.deepEqual(shellSplit("-p 22  -o StrictHostKeyChecking=no"), [
    "-p",
    "22",
    "-o",
    "StrictHostKeyChecking=no",
  ]);
  assert.deepEqual(shellSplit(`-o "ProxyCommand=ssh -W %h:%p jump" -i 'my key'`), [
    "-o",
    "ProxyCommand=ssh -W %h:%p jump",
    "-i",
    "my key",
  ]);
  assert.deepEqual(shellSplit(`a\\ b "x\\"y" ''`), ["a b", 'x"y', ""]);
  assert.deepEqual(shellSplit("   "), []);
});

Deno.test("shellSplit agrees with the shell on quoted input", () => {
  for (const word of NASTY) {
    assert.deepEqual(shellSplit(shellQuote(word)), [word]);
  }
  assert.deepEqual(shellSplit(shellQuoteArgv(NASTY)), NASTY);
});

Deno.test("shellSplit rejects unterminated quotes instead of guessing", () => {
  assert.throws(() => shellSplit(`-o 'oops`), /unterminated single quote/);
  assert.throws(() => shellSplit(`-o "oops`), /unterminated double quote/);
});
