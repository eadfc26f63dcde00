import assert from "node:assert/strict";
import { CommandError } from "../shared/errors.ts";
import { commandFailed } from "./command_failure.ts";

const finished = { argv: ["nix-env", "--set", "x"], stdout: "", timedOut: false };

Deno.test("commandFailed: argv, how it ended and the last lines of stderr", () => {
  const e = commandFailed({ ...finished, code: 1, signal: null, stderr: "a\r\n\nerror: b\n" });
  assert(e instanceof CommandError);
  assert.equal(e.message, "`nix-env --set x` exited with code 1:\na\nerror: b");
  assert.equal(
    commandFailed({ ...finished, code: null, signal: "SIGKILL", stderr: "" }).message,
    "`nix-env --set x` was killed by SIGKILL",
  );
  assert.equal(
    commandFailed({ ...finished, code: null, signal: "SIGTERM", stderr: "", timedOut: true })
      .message,
    "`nix-env --set x` timed out",
  );
});
