import assert from "node:assert/strict";
import { nixJsonValue, nixStringLiteral } from "./nix_string.ts";
import { runChecked } from "../process/run.ts";

const NASTY = [
  "plain",
  'quote"d',
  "back\\slash",
  '${builtins.abort "injected"}',
  "$${x}",
  "''",
  "new\nline",
  "dollar$",
];

Deno.test("nixStringLiteral: real Nix reads every value back unchanged, nothing is evaluated", async () => {
  const expr = `[ ${NASTY.map(nixStringLiteral).join(" ")} ]`;
  const r = await runChecked([
    "nix-instantiate",
    "--eval",
    "--json",
    "--strict",
    "-E",
    expr,
  ]);
  assert.deepEqual(JSON.parse(r.stdout), NASTY);
});

Deno.test("nixJsonValue: structured data arrives as data", async () => {
  const value = {
    nodes: [{ name: 'a"b${c}', profiles: null }, { name: "x.y", profiles: ["p\\q"] }],
  };
  const r = await runChecked([
    "nix-instantiate",
    "--eval",
    "--json",
    "--strict",
    "-E",
    nixJsonValue(value),
  ]);
  assert.deepEqual(JSON.parse(r.stdout), value);
});
