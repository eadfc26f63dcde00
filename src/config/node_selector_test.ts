import assert from "node:assert/strict";
import {
  globRegex,
  matchesNode,
  nixMatchers,
  parseNodePattern,
  parseNodePatterns,
  selectNodes,
} from "./node_selector.ts";
import { ConfigError, UsageError } from "../shared/errors.ts";

const fleet = [
  { name: "web-1", tags: ["web", "eu"] },
  { name: "web-2", tags: ["web"] },
  { name: "db", tags: ["db", "eu"] },
  { name: "n1", tags: [] },
  { name: "n10", tags: [] },
  { name: "a.b", tags: [] },
];
const names = (on: string) => selectNodes(parseNodePatterns(on), fleet).map((n) => n.name);

Deno.test("--on: an entry is @tag, a glob (with * or ?), or a node name", () => {
  assert.deepEqual(parseNodePattern("@web"), { kind: "tag", tag: "web" });
  assert.deepEqual(parseNodePattern("web-*"), { kind: "glob", glob: "web-*" });
  assert.deepEqual(parseNodePattern("db?"), { kind: "glob", glob: "db?" });
  assert.deepEqual(parseNodePattern("db"), { kind: "name", name: "db" });
});

Deno.test("--on: several entries select the union, in the fleet's order, each node once", () => {
  assert.deepEqual(names("@web"), ["web-1", "web-2"]);
  assert.deepEqual(names("db,web-*"), ["web-1", "web-2", "db"]);
  assert.deepEqual(names("@eu, @web"), ["web-1", "web-2", "db"]);
  assert.deepEqual(names("*"), fleet.map((n) => n.name));
});

Deno.test("--on: * is any run of characters, ? exactly one, and globs match whole names", () => {
  assert.deepEqual(names("n*"), ["n1", "n10"]);
  assert.deepEqual(names("n?"), ["n1"]);
  assert.deepEqual(names("*-1"), ["web-1"]);
  assert.equal(matchesNode(parseNodePattern("web"), fleet[0]), false);
  assert.equal(matchesNode(parseNodePattern("web*"), { name: "xweb", tags: [] }), false);
});

Deno.test("--on: characters a regex treats specially are literal in globs", () => {
  assert.deepEqual(names("a.*"), ["a.b"]);
  assert.equal(matchesNode(parseNodePattern("a.?"), { name: "axb", tags: [] }), false);
  assert.equal(matchesNode(parseNodePattern("x(1)*"), { name: "x(1)+y", tags: [] }), true);
  assert.equal(matchesNode(parseNodePattern("[a]*"), { name: "a", tags: [] }), false);
  assert.equal(matchesNode(parseNodePattern("[a]*"), { name: "[a]z", tags: [] }), true);
});

Deno.test("globRegex: an ERE that Nix reads the same way (no escaped ] or })", () => {
  assert.equal(globRegex("web-*"), "web-.*");
  assert.equal(globRegex("a.b?"), "a\\.b.");
  assert.equal(globRegex("x[1]{2}|$^+(\\"), "x\\[1]\\{2}\\|\\$\\^\\+\\(\\\\");
});

Deno.test("--on: an entry that selects nothing is an error naming it, with a suggestion", () => {
  assert.throws(
    () => names("@wbe"),
    (e: Error) =>
      e instanceof ConfigError &&
      e.message ===
        '--on "@wbe" selects no node: no selected node has the tag "wbe" (tags: "db", "eu", "web"); did you mean "@web"?',
  );
  assert.throws(
    () => names("web-1,wbe-2"),
    /^ConfigError: --on "wbe-2" selects no node \(nodes: "web-1", .*\); did you mean "web-2"\?$/,
  );
  assert.throws(() => names("x*"), /--on "x\*" selects no node \(nodes: /);
  assert.throws(() => names("web"), /did you mean "web-1"\?; for the tag, write "@web"$/);
});

Deno.test("--on: empty entries and bare @ are usage errors", () => {
  assert.throws(() => parseNodePatterns("a,,b"), UsageError);
  assert.throws(() => parseNodePatterns("@"), /--on: "@" is not a tag/);
  assert.deepEqual(parseNodePatterns("a, a"), [{ kind: "name", name: "a" }]);
});

Deno.test("nixMatchers: names, globs as regexes, tags", () => {
  assert.deepEqual(nixMatchers(parseNodePatterns("db,web-*,@eu")), {
    names: ["db"],
    regexes: ["web-.*"],
    tags: ["eu"],
  });
});
