import assert from "node:assert/strict";
import { DeployError } from "../shared/errors.ts";
import { activateRunEvent, encodeEvent } from "./protocol.ts";

const TOKEN = "ab".repeat(32);
const where = { node: "web", profile: "system" };

Deno.test("protocol: an event is one JSON line", () => {
  const line = encodeEvent({ type: "log", line: "two\nlines" });
  assert.equal(line.indexOf("\n"), line.length - 1);
  assert.deepEqual(JSON.parse(line), { type: "log", line: "two\nlines" });
});

Deno.test("protocol: activate's run event must carry a token, or the deployer refuses it", () => {
  assert.deepEqual(
    activateRunEvent({ type: "run", runDir: "/tmp/deploy-ts-x", token: TOKEN }, where),
    {
      type: "run",
      runDir: "/tmp/deploy-ts-x",
      token: TOKEN,
    },
  );
  for (const token of [undefined, "", "not-a-token", TOKEN.toUpperCase()]) {
    assert.throws(
      () => activateRunEvent({ type: "run", runDir: "/r", token }, where),
      (e) =>
        e instanceof DeployError &&
        /^web\.system: the helper on the host started the activation without a token/.test(
          e.describe(),
        ),
      String(token),
    );
  }
});
