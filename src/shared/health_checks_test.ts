import assert from "node:assert/strict";
import {
  type CheckResult,
  deployerSideChecks,
  type HealthChecks,
  hostSideChecks,
  untilHealthy,
} from "./health_checks.ts";

const CHECKS: HealthChecks = {
  nginx: { command: ["systemctl", "is-active", "nginx"] },
  http: { http: "http://web/health" },
  db: { tcp: "db:5432" },
};

Deno.test("health checks: commands run on the host, http and tcp from the deployer", () => {
  assert.deepEqual(hostSideChecks(CHECKS), { nginx: ["systemctl", "is-active", "nginx"] });
  assert.deepEqual(Object.keys(deployerSideChecks(CHECKS)), ["http", "db"]);
});

/** A check that fails `failures` times, then passes. */
function flaky(failures: Record<string, number>) {
  const calls: string[] = [];
  const run = (name: string): Promise<CheckResult> => {
    calls.push(name);
    const ok = (failures[name] -= 1) < 0;
    return Promise.resolve({ name, kind: "command", ok, output: ok ? "" : `down ${name}` });
  };
  return { calls, run };
}

Deno.test("health checks: retried until each has passed once; a passed one is not run again", async () => {
  const { calls, run } = flaky({ a: 0, b: 2 });
  const heard: string[] = [];
  const verdict = await untilHealthy(["a", "b"], run, {
    timeoutMs: 60_000,
    intervalMs: 1,
    onResult: (r) => heard.push(`${r.name}:${r.ok}`),
  });
  assert.deepEqual(verdict, { ok: true });
  assert.deepEqual(calls, ["a", "b", "b", "b"]);
  // Only changes are reported: b's two identical failures are one line.
  assert.deepEqual(heard, ["a:true", "b:false", "b:true"]);
});

Deno.test("health checks: one that never passes fails the verdict with its last output", async () => {
  const { run } = flaky({ a: 0, b: Infinity });
  const verdict = await untilHealthy(["a", "b"], run, {
    timeoutMs: 0,
    intervalMs: 1,
    onResult: () => {},
  });
  assert.deepEqual(verdict, {
    ok: false,
    failed: { name: "b", kind: "command", ok: false, output: "down b" },
  });
});
