import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  type SelectedDeploy,
  selectExpression,
  type Selection,
  UNEVALUATED_PATH,
} from "./select_expr.ts";
import { nixMatchers, parseNodePatterns } from "../config/node_selector.ts";

/** A deploy output whose profiles are plain strings (no build), and one node nobody may evaluate. */
const DEPLOY = `{
  nodes = {
    "web-1" = { hostname = "w1"; tags = [ "web" "eu" ]; profiles.system.path = "/nix/store/w1"; };
    "web-2" = { hostname = "w2"; tags = [ "web" ]; profiles.system.path = "/nix/store/w2"; };
    "a.b" = { hostname = "ab"; tags = "not a list"; profiles.system.path = "/nix/store/ab"; };
    db = { hostname = "db"; profiles.system.path = throw "db was evaluated"; };
  };
}`;

function select(selection: Selection): SelectedDeploy {
  const r = spawnSync("nix-instantiate", [
    "--eval",
    "--strict",
    "--json",
    "-E",
    `(${selectExpression(selection)}) ${DEPLOY}`,
  ], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

const hasNix = spawnSync("nix-instantiate", ["--version"]).status === 0;
const nodesOn = (on: string) =>
  Object.keys(
    (select({ nodes: null, on: nixMatchers(parseNodePatterns(on)) }).deploy as {
      nodes: Record<string, unknown>;
    }).nodes,
  ).sort();

Deno.test({
  name: "select: --on keeps only the nodes a name, a glob or a tag selects, in Nix",
  ignore: !hasNix,
  fn() {
    assert.deepEqual(nodesOn("@web"), ["web-1", "web-2"]);
    assert.deepEqual(nodesOn("web-?"), ["web-1", "web-2"]);
    assert.deepEqual(nodesOn("*-1,a.b"), ["a.b", "web-1"]);
    // A glob's "." is a dot, not any character.
    assert.deepEqual(nodesOn("a.*"), ["a.b"]);
    assert.deepEqual(nodesOn("a?b"), ["a.b"]);
    assert.deepEqual(nodesOn("@eu"), ["web-1"]);
  },
});

Deno.test({
  name: "select: with --on @tag, every node's tags come back (strings only), without evaluating it",
  ignore: !hasNix,
  fn() {
    const out = select({ nodes: null, on: nixMatchers(parseNodePatterns("@eu")) });
    assert.deepEqual(out.nodeTags, { "a.b": [], db: [], "web-1": ["web", "eu"], "web-2": ["web"] });
    assert.deepEqual(out.nodeNames, ["a.b", "db", "web-1", "web-2"]);
    assert.equal(select({ nodes: [{ name: "web-1", profiles: null }] }).nodeTags, undefined);
    // Without a tag to look for, no other node is read at all.
    const byGlob = select({ nodes: null, on: nixMatchers(parseNodePatterns("web-*")) });
    assert.equal(byGlob.nodeTags, undefined);
  },
});

Deno.test({
  name: "select: --on narrows the nodes targets name",
  ignore: !hasNix,
  fn() {
    const out = select({
      nodes: [{ name: "web-1", profiles: null }, { name: "db", profiles: null }],
      on: nixMatchers(parseNodePatterns("web-*")),
    });
    assert.deepEqual(Object.keys((out.deploy as { nodes: object }).nodes), ["web-1"]);
  },
});

Deno.test({
  name: "select: paths: false leaves every profile's path unevaluated",
  ignore: !hasNix,
  fn() {
    const out = select({ nodes: [{ name: "db", profiles: null }], paths: false });
    const db = (out.deploy as { nodes: { db: { profiles: { system: { path: string } } } } }).nodes
      .db;
    assert.equal(db.profiles.system.path, UNEVALUATED_PATH);
    assert.throws(() => select({ nodes: [{ name: "db", profiles: null }] }), /db was evaluated/);
  },
});
