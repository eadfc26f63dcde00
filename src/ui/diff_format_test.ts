import assert from "node:assert/strict";
import { formatDiff, formatProfileDiff, formatSize } from "./diff_format.ts";
import type { ClosureDiff } from "../deploy/diff.ts";

const none: ClosureDiff = {
  added: [],
  removed: [],
  changed: [],
  rebuilt: [],
  sizeBefore: 0,
  sizeAfter: 0,
};

Deno.test("diff text: added, removed, changed in version, rebuilt, and the closure size", () => {
  const d: ClosureDiff = {
    ...none,
    added: [{ name: "hello", version: "2.12" }],
    removed: [{ name: "figlet", version: "2.2.5" }],
    changed: [{ name: "openssl", from: "3.0.1", to: "3.0.2" }],
    sizeBefore: 6200,
    sizeAfter: 6400,
  };
  assert.equal(
    formatDiff("web", "system", d, 3),
    "web.system: generation 3 -> new closure\n  + hello 2.12\n  - figlet 2.2.5\n  ~ openssl 3.0.1 -> 3.0.2\n  closure size: 6.1 KiB -> 6.3 KiB (+200 B)\n",
  );
  const rebuilt = { ...none, rebuilt: [{ name: "app", version: "" }] };
  assert.match(formatDiff("n", "p", rebuilt, 1), /\* app \(rebuilt\)/);
});

Deno.test("diff text: a profile that could not be compared says why", () => {
  assert.equal(
    formatProfileDiff({ node: "web", profile: "system", generation: null, error: "no route" }),
    "web.system: error: no route\n",
  );
  assert.match(
    formatProfileDiff({ node: "web", profile: "system", generation: null, diff: none }),
    /^web\.system: not deployed yet -> new closure\n {2}no changes: the host runs this closure\n/,
  );
});

Deno.test("sizes in bytes, KiB, MiB, GiB", () => {
  assert.equal(formatSize(1536), "1.5 KiB");
  assert.equal(formatSize(-2048), "-2.0 KiB");
});
