import assert from "node:assert/strict";
import { selectionsByRepo } from "./resolve_plan.ts";
import { parseFlakeTarget } from "../config/target.ts";
import { parseNodePatterns } from "../config/node_selector.ts";

const sel = (...targets: string[]) =>
  Object.fromEntries(selectionsByRepo(targets.map(parseFlakeTarget)));

Deno.test("selections: several targets naming one flake give one selection", () => {
  assert.deepEqual(sel(".#a.x", ".#b", ".#a.y", ".#a.x"), {
    ".": { nodes: [{ name: "a", profiles: ["x", "y"] }, { name: "b", profiles: null }] },
  });
});

Deno.test("selections: a whole node or the whole flake absorbs narrower targets", () => {
  assert.deepEqual(sel(".#a.x", ".#a"), { ".": { nodes: [{ name: "a", profiles: null }] } });
  assert.deepEqual(sel(".#a.x", ".", ".#b"), { ".": { nodes: null } });
});

Deno.test("selections: distinct flakes stay apart, in the order first named", () => {
  assert.deepEqual(Object.keys(sel("./two#a", "./one", "./two#b")), ["./two", "./one"]);
});

Deno.test("selections: --on reaches every repo's selection as names, regexes and tags", () => {
  const selections = selectionsByRepo(
    [".#a", "./other"].map(parseFlakeTarget),
    parseNodePatterns("a,web-*,@db"),
  );
  const on = { names: ["a"], regexes: ["web-.*"], tags: ["db"] };
  assert.deepEqual(Object.fromEntries(selections), {
    ".": { nodes: [{ name: "a", profiles: null }], on },
    "./other": { nodes: null, on },
  });
});
