import assert from "node:assert/strict";
import { idIn, me, nameOf, ownerProblem } from "./owners.ts";

Deno.test("owners: names and numbers from passwd/group text", () => {
  const passwd = "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n";
  assert.equal(idIn(passwd, "alice"), 1000);
  assert.equal(idIn(passwd, "42"), 42);
  assert.equal(idIn(passwd, "bob"), undefined);
  assert.equal(nameOf(passwd, 1000), "alice");
  assert.equal(nameOf(passwd, 7), "7");
});

Deno.test("owners: only root gives a file away; another user keeps its uid and picks among its groups", () => {
  const alice = { uid: 1000, gids: [1000, 27] };
  assert.equal(ownerProblem({ uid: 0, gid: 0 }, { uid: 0, gids: [0] }), undefined);
  assert.equal(ownerProblem({ uid: 1000, gid: 27 }, alice), undefined);
  assert.equal(ownerProblem({ uid: 0, gid: 1000 }, alice), "user (uid 0)");
  assert.equal(ownerProblem({ uid: 1000, gid: 0 }, alice), "group (gid 0)");
  const self = me();
  assert.equal(self.uid, Deno.uid());
  assert.ok(self.gids.includes(Deno.gid()!));
});
