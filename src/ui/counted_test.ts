import assert from "node:assert/strict";
import { counted } from "./counted.ts";

Deno.test("counted: one, none and many", () => {
  assert.equal(counted(1, "profile"), "1 profile");
  assert.equal(counted(0, "node"), "0 nodes");
  assert.equal(counted(12, "profile"), "12 profiles");
});
