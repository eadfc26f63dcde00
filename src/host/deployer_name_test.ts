import assert from "node:assert/strict";
import { hostname, userInfo } from "node:os";
import { deployerName } from "./deployer_name.ts";

Deno.test("deployerName: the deployer's user and machine, as user@machine", () => {
  assert.equal(deployerName(), `${userInfo().username}@${hostname()}`);
});
