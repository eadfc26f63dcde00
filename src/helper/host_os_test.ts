import assert from "node:assert/strict";
import { userInfo as nodeUserInfo } from "node:os";
import process from "node:process";
import { env, exists, findInPath, pid, pidAlive, uid, userInfo, userName } from "./host_os.ts";

Deno.test("host os: the same facts as Node's process and os give", () => {
  assert.equal(uid(), process.getuid?.());
  assert.equal(pid, process.pid);
  assert.equal(env("PATH"), process.env.PATH);
  const node = nodeUserInfo();
  assert.deepEqual(userInfo(), { username: node.username, homedir: node.homedir, uid: node.uid });
  assert.equal(userName(0), "root");
  assert.equal(userName(2 ** 31 - 2), `uid ${2 ** 31 - 2}`);
});

Deno.test("host os: a live process, a gone one; files on PATH", async () => {
  assert.ok(pidAlive(pid));
  const child = new Deno.Command("true").spawn();
  await child.status;
  assert.ok(!pidAlive(child.pid), "a reaped child is gone");
  assert.match(findInPath("sh") ?? "", /\/sh$/);
  assert.equal(findInPath("deploy-ts-no-such-command"), undefined);
  assert.ok(exists("/"));
  assert.ok(!exists("/deploy-ts-no-such-file"));
});
