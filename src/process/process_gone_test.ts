import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { processGone } from "./process_gone.ts";

Deno.test("processGone: true once the process exited, false while it runs past the limit", async () => {
  const child = spawn("sleep", ["30"]);
  const pid = child.pid!;
  assert.equal(await processGone(pid, 50), false, "sleep 30 is still there");
  child.kill("SIGKILL");
  assert.equal(await processGone(pid, 5000), true);
});
