import assert from "node:assert/strict";
import { execFlags } from "./exec_flags.ts";
import { UsageError } from "../shared/errors.ts";

Deno.test("exec flags: the command's words as given, --as when set", () => {
  assert.deepEqual(execFlags({}, ["uptime"]), { command: ["uptime"] });
  assert.deepEqual(execFlags({ as: "postgres" }, ["psql", "-l"]), {
    command: ["psql", "-l"],
    as: "postgres",
  });
});

Deno.test("exec flags: no command, or an --as that is no user name, is a usage error", () => {
  assert.throws(() => execFlags({}, []), UsageError);
  assert.throws(() => execFlags({}, [" "]), /needs a command after --/);
  for (const as of ["", "-n", "a b"]) {
    assert.throws(() => execFlags({ as }, ["id"]), /is not a user name/);
  }
});
