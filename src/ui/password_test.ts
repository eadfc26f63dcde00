import assert from "node:assert/strict";
import { passwordVariable } from "./password.ts";

Deno.test("the sudo password variable of a node: upper case, other characters as _", () => {
  assert.equal(passwordVariable("web"), "DEPLOY_TS_SUDO_PASSWORD_WEB");
  assert.equal(passwordVariable("db.example-1"), "DEPLOY_TS_SUDO_PASSWORD_DB_EXAMPLE_1");
});
