import assert from "node:assert/strict";
import { isYes } from "./prompt.ts";

Deno.test("only a clear yes deploys", () => {
  for (const yes of ["y", "Y", "yes", "YES", " yes "]) assert.equal(isYes(yes), true, yes);
  for (const no of ["", "n", "no", "yess", "sure", "y e s", undefined]) {
    assert.equal(isYes(no), false, String(no));
  }
});
