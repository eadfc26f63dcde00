import assert from "node:assert/strict";
import { posix } from "node:path";
import { basename, dirname, join, normalize } from "./posix_path.ts";

const PATHS = [
  "/",
  "/nix/var/nix/profiles/system",
  "/nix//var/./nix/../x/",
  "relative/a/../../..",
  "a",
  "",
  "/a/b/",
  "../a/./b",
];

Deno.test("posix_path: the same as node:path's posix functions", () => {
  for (const p of PATHS) {
    assert.equal(normalize(p), posix.normalize(p), `normalize ${p}`);
    if (p !== "") {
      assert.equal(dirname(p), posix.dirname(p), `dirname ${p}`);
      assert.equal(basename(p), posix.basename(p), `basename ${p}`);
    }
  }
  for (
    const parts of [
      ["/nix/var/nix", "profiles", "per-user", "root", "x"],
      ["/tmp/", "/deploy-ts-"],
      ["a", "", "b"],
      ["/a", ".."],
      [""],
    ]
  ) {
    assert.equal(join(...parts), posix.join(...parts), `join ${parts.join(",")}`);
  }
});
