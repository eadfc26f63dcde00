import assert from "node:assert/strict";
import { planOf } from "../config/plan_testing.ts";
import type { DeployEventInput } from "../shared/events.ts";
import { RunEvents } from "./run_events.ts";

Deno.test("RunEvents: a profile's phase events carry its wave; its latest phase and window are kept", () => {
  const out: DeployEventInput[] = [];
  const p = planOf("a", { wave: 3 });
  const events = new RunEvents([[p]], (e) => out.push(e));
  events.emit({ type: "phase", node: "a", profile: "system", phase: "activating" });
  assert.equal(events.live(p)?.windowSince, undefined);
  const before = Date.now();
  events.emit({ type: "phase", node: "a", profile: "system", phase: "confirming" });
  events.emit({ type: "log", node: "a", source: "host", line: "x" });
  assert.deepEqual(out.map((e) => e.type === "phase" ? e.wave : "log"), [3, 3, "log"]);
  assert.equal(events.live(p)?.phase, "confirming");
  assert.ok(events.live(p)!.windowSince! >= before);
});
