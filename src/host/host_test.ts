import assert from "node:assert/strict";
import { watchOf } from "./host.ts";
import type { DeployEventInput } from "../shared/events.ts";
import type { ProfilePlan } from "../config/plan.ts";
import { planOf } from "../config/plan_testing.ts";

const plan: ProfilePlan = planOf("web", {
  profile: "app",
  path: "/nix/store/abc-app",
  settings: { sshUser: "deploy", user: "root" },
});

Deno.test("watchOf: a profile's log lines and phases as events naming it, nowhere without emit", () => {
  const seen: DeployEventInput[] = [];
  const watch = watchOf(plan, (e) => seen.push(e));
  watch.onLog("hello", "host");
  watch.onPhase("confirming", "over a new connection");
  assert.deepEqual(seen, [
    { type: "log", node: "web", profile: "app", source: "host", line: "hello" },
    {
      type: "phase",
      node: "web",
      profile: "app",
      phase: "confirming",
      message: "over a new connection",
    },
  ]);
  const silent = watchOf(plan);
  silent.onLog("nobody hears this", "ssh");
  silent.onPhase("activating");
});
