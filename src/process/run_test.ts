import assert from "node:assert/strict";
import { lastLines, run, runChecked } from "./run.ts";
import { CommandError } from "../shared/errors.ts";

Deno.test("run passes argv without a shell: metacharacters arrive as data", async () => {
  const r = await run(["printf", "%s|", "$HOME", "a b", "`id`"]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, "$HOME|a b|`id`|");
});

Deno.test("run streams lines, feeds stdin, and sets and removes variables", async () => {
  const lines: string[] = [];
  const r = await run(["sh", "-c", 'cat; echo "$A-${B-unset}"'], {
    input: "one\ntwo\n",
    env: { A: "set", B: undefined },
    onStdoutLine: (l) => lines.push(l),
  });
  assert.deepEqual(lines, ["one", "two", "set-unset"]);
  assert.equal(r.code, 0);
});

Deno.test("runChecked throws a CommandError naming the command, its code and stderr", async () => {
  await assert.rejects(
    runChecked(["sh", "-c", "echo boom >&2; exit 3"], {
      context: { node: "web", profile: "system" },
    }),
    (e: unknown) => {
      assert.ok(e instanceof CommandError);
      assert.equal(e.code, 3);
      assert.match(e.describe(), /^web\.system: `sh -c .*` exited with code 3:\nboom$/);
      return true;
    },
  );
});

Deno.test("run reports a missing program as exit 127 instead of throwing", async () => {
  const r = await run(["/nonexistent/deploy-ts-test"]);
  assert.equal(r.code, 127);
  assert.match(r.stderr, /ENOENT/);
});

Deno.test("run kills a command that outlives its timeout", async () => {
  const r = await run(["sleep", "30"], { timeoutMs: 100 });
  assert.equal(r.timedOut, true);
  assert.notEqual(r.code, 0);
});

Deno.test("run: a limit longer than a timer can hold does not fire at once", async () => {
  // 2147484 s is more than 2^31-1 ms, where timers overflow to 1 ms.
  const r = await run(["sh", "-c", "sleep 0.2; echo done"], { timeoutMs: 2_147_484_000 });
  assert.equal(r.timedOut, false);
  assert.equal(r.stdout, "done\n");
});

Deno.test("run: sudo passwords in this environment are not inherited by children", async () => {
  Deno.env.set("DEPLOY_TS_SUDO_PASSWORD_WEB", "hunter2");
  try {
    const r = await run(["sh", "-c", 'echo "${DEPLOY_TS_SUDO_PASSWORD_WEB-unset}"']);
    assert.equal(r.stdout, "unset\n");
  } finally {
    Deno.env.delete("DEPLOY_TS_SUDO_PASSWORD_WEB");
  }
});

Deno.test("lastLines: the last non-empty lines, without the \\r ssh ends them with on a terminal", () => {
  assert.equal(lastLines("a\r\n\r\nb\r\nc\r\n", 2), "b\nc");
  assert.equal(lastLines("one\n\n", 5), "one");
});

Deno.test("run: a timeout is a bound even when a grandchild still holds the output (sh -c 'sleep …; :')", async () => {
  // The grandchild says its pid in a file: no /proc scan (the Nix check runs without --allow-all).
  const pidFile = Deno.makeTempFileSync();
  try {
    const r = await run(["sh", "-c", `sh -c 'echo $$ >"$0"; exec sleep 30' ${pidFile}; :`], {
      timeoutMs: 300,
    });
    assert.equal(r.timedOut, true);
    // The result came without waiting for the grandchild, which is still there: ours to end.
    const pid = Number(Deno.readTextFileSync(pidFile).trim());
    assert.ok(pid > 0, "the grandchild started");
    assert.doesNotThrow(() => Deno.kill(pid, "SIGKILL"), "run waited for the grandchild to end");
  } finally {
    Deno.removeSync(pidFile);
  }
});
