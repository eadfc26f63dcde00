import assert from "node:assert/strict";
import { activationChecks, deployerChecks, hasDeployerChecks } from "./health_gate.ts";
import type { ProfilePlan } from "../config/plan.ts";
import { planOf } from "../config/plan_testing.ts";

const healthChecks = { api: { command: ["true"] }, web: { tcp: "127.0.0.1:1" } };
const plan: ProfilePlan = planOf("web", {
  profile: "app",
  path: "/nix/store/abc-app",
  settings: { sshUser: "deploy", user: "root", healthChecks, healthTimeout: 0 },
});

Deno.test("activationChecks: a switch to the plan's closure runs the checks; rollback, boot and dry runs none", () => {
  assert.deepEqual(activationChecks(plan, { goal: "switch" }), healthChecks);
  assert.deepEqual(activationChecks(plan, { goal: "switch", generation: 3 }), {});
  assert.deepEqual(activationChecks(plan, { goal: "boot" }), {});
  assert.deepEqual(activationChecks(plan, { goal: "dry-activate" }), {});
});

Deno.test("deployer checks: only http and tcp run here, the one that kept failing is returned, logged as they go", async () => {
  assert.equal(hasDeployerChecks(healthChecks), true);
  assert.equal(hasDeployerChecks({ api: { command: ["true"] } }), false);
  const lines: string[] = [];
  assert.equal(
    await deployerChecks(plan, (l) => lines.push(l), { api: { command: ["true"] } }),
    undefined,
  );
  assert.equal(lines.length, 0, "nothing to run from the deployer, nothing said");
  // Nothing listens on port 1: refused, and with healthTimeout 0 not tried again.
  const failed = await deployerChecks(plan, (l) => lines.push(l), healthChecks);
  assert.equal(failed?.name, "web");
  assert.equal(failed?.ok, false);
  assert.match(lines[0], /^running health checks from the deployer: web \(up to 0s\)$/);
  assert.match(lines[1], /^health check web \(tcp\): failing/);
});
