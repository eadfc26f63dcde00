import assert from "node:assert/strict";
import { denoRuntime, envVar, programArgs } from "./runtime.ts";

Deno.test("runtime: under Deno, Deno's args, env, output and exit", async () => {
  assert.equal(denoRuntime, Deno);
  assert.deepEqual(programArgs(), Deno.args);
  assert.equal(envVar("PATH"), Deno.env.get("PATH"));
  // In a child: what it writes arrives whole, and its exit code is the one given.
  const script = `import * as r from ${
    JSON.stringify(new URL("./runtime.ts", import.meta.url).href)
  };
r.writeStdout("out " + r.programArgs().join(",") + " " + r.envVar("RUNTIME_TEST") + "\\n");
r.writeStderr("é".repeat(70000));
r.exitProcess(7);`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", script, "a", "b"],
    env: { RUNTIME_TEST: "yes" },
  }).output();
  assert.equal(out.code, 7);
  assert.equal(new TextDecoder().decode(out.stdout), "out a,b yes\n");
  assert.equal(new TextDecoder().decode(out.stderr), "é".repeat(70000));
});

Deno.test("runtime: exitProcess ends a Deno process with its code, whatever is still pending or fails after", async () => {
  const run = async (after: string) => {
    const script = `import { exitProcess } from ${
      JSON.stringify(new URL("./runtime.ts", import.meta.url).href)
    };
exitProcess(5);
${after}`;
    const started = performance.now();
    const out = await new Deno.Command(Deno.execPath(), { args: ["eval", "--ext=ts", script] })
      .output();
    return { code: out.code, seconds: (performance.now() - started) / 1000 };
  };
  // Something that never ends: the process still does, with its code.
  const pending = await run("setInterval(() => {}, 1000); await new Promise(() => {});");
  assert.equal(pending.code, 5);
  assert.ok(pending.seconds < 20, `took ${pending.seconds}s`);
  // A failure after the end was decided does not change the code.
  assert.equal((await run("Promise.reject(new Error('late'));")).code, 5);
  assert.equal((await run("setTimeout(() => { throw new Error('late'); }, 1);")).code, 5);
  assert.equal((await run("")).code, 5);
});
