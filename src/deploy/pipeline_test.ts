/**
 * The pipeline's policy, without Nix or SSH: a fake Host that records what
 * was asked of it, and a fake local store.
 */
import assert from "node:assert/strict";
import type { ProfilePlan } from "../config/plan.ts";
import { DEFAULTS } from "../config/settings.ts";
import type { LocalStore } from "../nix/local_store.ts";
import type { DeployEventInput } from "../ui/events.ts";
import type { Host } from "./host.ts";
import { type FailurePolicy, runPipeline } from "./pipeline.ts";
import type { HelperOutcome } from "./remote_helper.ts";
import type { ActivationGoal } from "../vocabulary.ts";

const profile = (node: string, name = "system"): ProfilePlan => ({
  repo: ".",
  node,
  profile: name,
  hostname: node,
  path: `/nix/store/${node}-${name}`,
  settings: { ...DEFAULTS, sshUser: "root", user: "root" },
});

const local: LocalStore = {
  build: () => Promise.resolve({ built: new Set() }),
  has: () => true,
  addGcRoot: () => Promise.resolve(),
  helperPackage: () => Promise.resolve("/nix/store/deploy-ts"),
};

/** Hosts that activate every profile except the failing ones, and log every verb. */
function fakeHosts(failing: string[], unreachable: string[] = []) {
  const calls: string[] = [];
  const hosts = (p: ProfilePlan): Host => ({
    destination: `root@${p.hostname}`,
    open: () => {
      calls.push(`open ${p.hostname}`);
      return unreachable.includes(p.hostname)
        ? Promise.reject(new Error(`cannot connect to root@${p.hostname}`))
        : Promise.resolve();
    },
    copy: (paths) => (calls.push(`copy ${p.hostname} ${paths.join(" ")}`), Promise.resolve()),
    realise: () => Promise.resolve(),
    activate: (q) => {
      calls.push(`activate ${q.node}.${q.profile}`);
      const fails = failing.includes(`${q.node}.${q.profile}`);
      return Promise.resolve<HelperOutcome>(
        fails ? { outcome: "rolled-back", ok: false, message: "activation failed; rolled back" } : {
          outcome: "confirmed",
          ok: true,
          message: "confirmed",
          previousGeneration: 1,
          newGeneration: 2,
          createdGeneration: 2,
        },
      );
    },
    revoke: (q, g) => {
      calls.push(`revoke ${q.node}.${q.profile} to ${g.previous} removing ${g.created}`);
      return Promise.resolve({ outcome: "rolled-back", ok: true, message: "back on 1" });
    },
    query: () => Promise.reject(new Error("not used")),
    checkHealth: () => Promise.reject(new Error("not used")),
    nixStore: () => ({ uri: "fake://", env: {}, destination: p.hostname }),
    close: () => Promise.resolve(),
  });
  return { calls, hosts };
}

async function deploy(
  plan: ProfilePlan[],
  onFailure: FailurePolicy,
  failing: string[],
  o: { goal?: ActivationGoal; unreachable?: string[] } = {},
) {
  const fake = fakeHosts(failing, o.unreachable);
  const events: DeployEventInput[] = [];
  const results = await runPipeline({
    goal: o.goal ?? "switch",
    onFailure,
    jobs: 1,
    checkSigs: false,
    extraNixArgs: [],
    plan,
    emit: (e) => events.push(e),
    passwords: new Map(),
    local,
    hosts: fake.hosts,
  });
  const status = Object.fromEntries(results.map((r) => [`${r.node}.${r.profile}`, r.status]));
  return { status, results, calls: fake.calls, events };
}

Deno.test("pipeline: one node fails, the rest are skipped, the succeeded are revoked newest first", async () => {
  const plan = ["a", "b", "c", "d"].map((n) => profile(n));
  const { status, calls } = await deploy(plan, "stop-and-revoke", ["c.system"]);
  assert.deepEqual(status, {
    "a.system": "revoked",
    "b.system": "revoked",
    "c.system": "rolled-back",
    "d.system": "skipped",
  });
  assert.deepEqual(calls.filter((c) => !c.startsWith("open") && !c.startsWith("copy")), [
    "activate a.system",
    "activate b.system",
    "activate c.system",
    "revoke b.system to 1 removing 2",
    "revoke a.system to 1 removing 2",
  ]);
  assert.ok(!calls.includes("open d"), "a node after the failure is never contacted");
});

Deno.test("pipeline: within a node, a failing profile skips the profiles after it", async () => {
  const plan = [profile("a", "system"), profile("a", "app"), profile("a", "tools")];
  const { status, calls } = await deploy(plan, "stop", ["a.app"]);
  assert.deepEqual(status, {
    "a.system": "confirmed",
    "a.app": "rolled-back",
    "a.tools": "skipped",
  });
  assert.ok(!calls.some((c) => c.startsWith("revoke")), "stop revokes nothing");
  // One login and one copy for the node, with the helper and every profile.
  assert.deepEqual(calls.filter((c) => c.startsWith("open") || c.startsWith("copy")), [
    "open a",
    "copy a /nix/store/deploy-ts /nix/store/a-system /nix/store/a-app /nix/store/a-tools",
  ]);
});

Deno.test("pipeline: keep-going lets every node stand on its own", async () => {
  const plan = ["a", "b", "c"].map((n) => profile(n));
  const { status, calls } = await deploy(plan, "keep-going", ["b.system"]);
  assert.deepEqual(status, {
    "a.system": "confirmed",
    "b.system": "rolled-back",
    "c.system": "confirmed",
  });
  assert.ok(!calls.some((c) => c.startsWith("revoke")));
});

Deno.test("pipeline: an unreachable host fails its node; a revoke then puts back the others", async () => {
  const { results } = await deploy([profile("a"), profile("b")], "stop-and-revoke", [], {
    unreachable: ["b"],
  });
  assert.deepEqual(results.map((r) => [r.node, r.status, r.message]), [
    ["a", "revoked", "back on 1 (because b.system failed)"],
    ["b", "failed", "cannot connect to root@b"],
  ]);
});

Deno.test("pipeline: a dry activation is never revoked", async () => {
  const { calls } = await deploy([profile("a"), profile("b")], "stop-and-revoke", ["b.system"], {
    goal: "dry-activate",
  });
  assert.ok(!calls.some((c) => c.startsWith("revoke")));
});
