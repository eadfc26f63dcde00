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
