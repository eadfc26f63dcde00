import assert from "node:assert/strict";
import { sshDestination } from "./options.ts";

Deno.test("ssh destination: user@host, as ssh takes it", () => {
  assert.equal(
    sshDestination({ sshUser: "deploy", hostname: "web.example.com" }),
    "deploy@web.example.com",
  );
});
