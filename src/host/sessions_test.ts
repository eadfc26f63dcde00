import assert from "node:assert/strict";
import { planOf } from "../config/plan_testing.ts";
import { SharedLogins } from "./sessions.ts";

Deno.test("SharedLogins: one login per way of reaching a host; a failed one is closed and is the error; all closed at the end", async () => {
  const calls: string[] = [];
  const logins = new SharedLogins((p) => ({
    open: () => {
      calls.push(`open ${p.hostname}`);
      return p.hostname === "down" ? Promise.reject(new Error("refused")) : Promise.resolve();
    },
    close: () => (calls.push(`close ${p.hostname}`), Promise.resolve()),
  }));
  const a = planOf("web");
  const b = { ...planOf("web", { profile: "app" }) };
  const first = await logins.login(a);
  assert.equal(await logins.login(b), first, "the same login for both profiles");
  assert.ok(logins.has(b));
  const down = await logins.login(planOf("down"));
  assert.ok(down instanceof Error && down.message === "refused");
  await logins.closeAll();
  assert.deepEqual(calls, ["open web", "open down", "close down", "close web"]);
});
