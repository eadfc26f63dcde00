/**
 * The pipeline's policy, without Nix or SSH: a fake Host that records what
 * was asked of it, and a fake local store.
 */
import assert from "node:assert/strict";
import type { ProfilePlan } from "../config/plan.ts";
import { planOf } from "../config/plan_testing.ts";
import type { LocalStore } from "../nix/local_store.ts";
import type { DeployEventInput } from "../shared/events.ts";
import type { Host } from "../host/host.ts";
import { type FailurePolicy, type PipelineOptions, runPipeline } from "./pipeline.ts";
import { parseWaveSpec } from "../plan/waves.ts";
import { DeployEventSchema } from "../shared/event_schema.ts";
import type { HelperOutcome } from "../host/host.ts";
import type { ActivationGoal } from "../shared/vocabulary.ts";

const profile = (node: string, name = "system", wave = 0): ProfilePlan =>
  planOf(node, { profile: name, wave });

const local: LocalStore = {
  build: () => Promise.resolve({ built: new Set() }),
  has: () => true,
  addGcRoot: () => Promise.resolve(),
  helperPackage: () => Promise.resolve("/nix/store/deploy-ts"),
};

/**
 * Hosts that activate every profile except the failing ones, and log every
 * verb; `unreachable` hosts refuse logins (from their `unreachableFrom`th on).
 */
function fakeHosts(
  failing: string[],
  unreachable: string[] = [],
  unreachableFrom = 1,
  dropFailing: string[] = [],
) {
  const calls: string[] = [];
  // Logins open now, by host, and the most open at once.
  const openOn = new Map<string, number>();
  const logins = { open: 0, most: 0 };
  const hosts = (p: ProfilePlan): Host => ({
    destination: `root@${p.hostname}`,
    open: () => {
      calls.push(`open ${p.hostname}`);
      const nth = calls.filter((c) => c === `open ${p.hostname}`).length;
      if (unreachable.includes(p.hostname) && nth >= unreachableFrom) {
        return Promise.reject(new Error(`cannot connect to root@${p.hostname}`));
      }
      openOn.set(p.hostname, (openOn.get(p.hostname) ?? 0) + 1);
      logins.most = Math.max(logins.most, ++logins.open);
      return Promise.resolve();
    },
    copy: (paths) => (calls.push(`copy ${p.hostname} ${paths.join(" ")}`), Promise.resolve()),
    realise: () => Promise.resolve(),
    uploadSecrets: () => Promise.resolve({ ok: true, message: "", lines: [] }),
    secretStatus: () => Promise.resolve([]),
    dropSecretBackups: (q, runDir) => {
      calls.push(`drop ${q.node}.${q.profile} ${runDir}`);
      return dropFailing.includes(q.node)
        ? Promise.reject(new Error(`cannot delete in ${runDir}`))
        : Promise.resolve();
    },
    activate: (q) => {
      calls.push(`activate ${q.node}.${q.profile}`);
      const fails = failing.includes(`${q.node}.${q.profile}`);
      return Promise.resolve<HelperOutcome>(
        fails ? { outcome: "rolled-back", ok: false, message: "activation failed; rolled back" } : {
          outcome: "confirmed",
          ok: true,
          message: "confirmed",
          runDir: `/tmp/deploy-ts-run.${q.node}`,
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
    close: () => {
      calls.push(`close ${p.hostname}`);
      // A login whose open failed was never open (one login per host at a time here).
      const n = openOn.get(p.hostname) ?? 0;
      if (n > 0) (openOn.set(p.hostname, n - 1), logins.open--);
      return Promise.resolve();
    },
  });
  return { calls, hosts, logins };
}

async function deploy(
  plan: ProfilePlan[],
  onFailure: FailurePolicy,
  failing: string[],
  o:
    & {
      goal?: ActivationGoal;
      unreachable?: string[];
      unreachableFrom?: number;
      dropFailing?: string[];
    }
    & Partial<
      PipelineOptions
    > = {},
) {
  const fake = fakeHosts(failing, o.unreachable, o.unreachableFrom, o.dropFailing);
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
    ...o,
  });
  const status = Object.fromEntries(results.map((r) => [`${r.node}.${r.profile}`, r.status]));
  return { status, results, calls: fake.calls, events, logins: fake.logins };
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
  assert.deepEqual(calls.filter((c) => /^(activate|revoke)/.test(c)), [
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

/** Four nodes in three waves: a; b, c; d. */
const waves = () => [
  profile("a", "system", 0),
  profile("b", "system", 1),
  profile("c", "system", 1),
  profile("d", "system", 2),
];
const activated = (calls: string[]) => calls.filter((c) => c.startsWith("activate"));

Deno.test("pipeline waves: the second wave's first node fails; the third is never contacted, the first revoked", async () => {
  const { results, calls } = await deploy(waves(), "stop-and-revoke", ["b.system"]);
  assert.deepEqual(results.map((r) => [r.node, r.status, r.message]), [
    ["a", "revoked", "back on 1 (because b.system failed)"],
    ["b", "rolled-back", "activation failed; rolled back"],
    ["c", "skipped", "not started: another profile failed"],
    ["d", "skipped", "not started: wave 1 failed"],
  ]);
  assert.deepEqual(activated(calls), ["activate a.system", "activate b.system"]);
  assert.ok(!calls.includes("open d"), "a node of a later wave is never contacted");
});

Deno.test("pipeline waves: with keep-going the first wave stays and the wave runs out, the next does not start", async () => {
  const { status, calls } = await deploy(waves(), "keep-going", ["b.system"], { jobs: 2 });
  assert.deepEqual(status, {
    "a.system": "confirmed",
    "b.system": "rolled-back",
    "c.system": "confirmed",
    "d.system": "skipped",
  });
  assert.ok(!calls.some((c) => c.startsWith("revoke")));
  assert.ok(!calls.includes("open d"));
});

Deno.test("pipeline waves: keep-going goes on while the failed nodes are within --max-failures", async () => {
  const one = await deploy(waves(), "keep-going", ["b.system"], { maxFailures: 1 });
  assert.equal(one.status["d.system"], "confirmed");
  const two = await deploy(waves(), "keep-going", ["b.system", "c.system"], { maxFailures: 1 });
  assert.equal(two.status["d.system"], "skipped");
  assert.ok(!two.calls.includes("open d"));
  // Without keep-going, a failure stops the rollout whatever --max-failures says.
  const stop = await deploy(waves(), "stop", ["b.system"], { maxFailures: 1 });
  assert.equal(stop.status["d.system"], "skipped");
  assert.equal(stop.status["a.system"], "confirmed");
});

Deno.test("pipeline waves: a failed build stops the rollout before the first wave, naming no wave", async () => {
  const failingBuild: LocalStore = { ...local, has: (path) => path !== "/nix/store/d-system" };
  const fake = fakeHosts([]);
  const results = await runPipeline({
    goal: "switch",
    onFailure: "stop-and-revoke",
    jobs: 1,
    checkSigs: false,
    extraNixArgs: [],
    plan: waves(),
    emit: () => {},
    passwords: new Map(),
    local: failingBuild,
    hosts: fake.hosts,
  });
  assert.deepEqual(results.map((r) => [r.node, r.status]), [
    ["a", "skipped"],
    ["b", "skipped"],
    ["c", "skipped"],
    ["d", "failed"],
  ]);
  assert.ok(results.slice(0, 3).every((r) => r.message === "not started: another profile failed"));
  assert.deepEqual(fake.calls, [], "no host is contacted");
});

Deno.test("pipeline waves: a revoke puts back the newest wave first, whatever the plan order", async () => {
  // Plan order x, y; wave order y, x, z.
  const plan = [profile("x", "system", 1), profile("y", "system", 0), profile("z", "system", 2)];
  const { calls } = await deploy(plan, "stop-and-revoke", ["z.system"]);
  assert.deepEqual(calls.filter((c) => /^(activate|revoke)/.test(c)), [
    "activate y.system",
    "activate x.system",
    "activate z.system",
    "revoke x.system to 1 removing 2",
    "revoke y.system to 1 removing 2",
  ]);
});

Deno.test("pipeline waves: --wave-pause waits between waves, not before the first nor after a failure", async () => {
  const pauses: number[] = [];
  const sleep = (s: number) => (pauses.push(s), Promise.resolve());
  await deploy(waves(), "stop-and-revoke", [], { wavePause: 7, sleep });
  assert.deepEqual(pauses, [7, 7]);
  pauses.length = 0;
  await deploy(waves(), "stop-and-revoke", ["b.system"], { wavePause: 7, sleep });
  assert.deepEqual(pauses, [7]);
});

Deno.test("pipeline waves: --waves overrides the wave settings; phase events carry the wave", async () => {
  const { calls, events } = await deploy(waves(), "stop", [], {
    waves: parseWaveSpec("d; *; a"),
  });
  assert.deepEqual(activated(calls), [
    "activate d.system",
    "activate b.system",
    "activate c.system",
    "activate a.system",
  ]);
  const waveOf = (node: string) =>
    new Set(events.flatMap((e) => e.type === "phase" && e.node === node ? [e.wave] : []));
  assert.deepEqual([...waveOf("d")], [0]);
  assert.deepEqual([...waveOf("b")], [1]);
  assert.deepEqual([...waveOf("a")], [2]);
  // The JSON stream's schema takes the wave (and events without one, as before).
  for (const e of events) DeployEventSchema.parse({ ...e, time: "2026-01-01T00:00:00Z" });
});

Deno.test("pipeline: what holds a profile back is said as a waiting phase (a --jobs slot, the profile before it, the wave before)", async () => {
  const plan = [
    profile("a"),
    profile("b"),
    profile("b", "app"),
    profile("c"),
    profile("d", "system", 1),
  ];
  const { events } = await deploy(plan, "stop", [], { jobs: 2 });
  const waiting = (node: string, name: string) =>
    events.flatMap((e) =>
      e.type === "phase" && e.node === node && e.profile === name && e.phase === "waiting"
        ? [e.message]
        : []
    );
  assert.deepEqual(waiting("a", "system"), [], "a starts at once");
  assert.deepEqual(waiting("b", "app"), ["for b.system"]);
  assert.deepEqual(waiting("c", "system"), ["for a --jobs slot (2 at once)"]);
  assert.deepEqual(waiting("d", "system"), ["for wave 0"]);
  // Waiting comes before the profile's own work, never after it.
  const phases = events.flatMap((e) =>
    e.type === "phase" && e.node === "c" && e.profile === "system" ? [e.phase] : []
  );
  assert.ok(phases.indexOf("waiting") < phases.indexOf("connecting"), phases.join(","));
});

/** What was asked of one host, in order: open, copy, activate, revoke, close. */
const verbsOn = (calls: string[], host: string) =>
  calls.flatMap((c) => {
    const [verb, target] = c.split(" ");
    return target.split(".")[0] === host ? [verb] : [];
  });

Deno.test("pipeline: a node's login closes when the node is done (at most --jobs open); the revoke after a late failure logs in again", async () => {
  const plan = ["a", "b", "c", "d", "e", "f"].map((n) => profile(n));
  const { status, calls, logins, events } = await deploy(plan, "stop-and-revoke", ["f.system"], {
    jobs: 2,
  });
  assert.deepEqual(Object.values(status), [...Array(5).fill("revoked"), "rolled-back"]);
  assert.equal(logins.most, 2, "never more logins open than --jobs");
  assert.equal(logins.open, 0, "every login closed at the end");
  for (const h of ["a", "b", "c", "d", "e"]) {
    assert.deepEqual(verbsOn(calls, h), [
      "open",
      "copy",
      "activate",
      "close",
      "open",
      "revoke",
      "close",
    ], h);
  }
  assert.deepEqual(verbsOn(calls, "f"), ["open", "copy", "activate", "close"]);
  // The events say it as before: logging in again is part of revoking.
  const phases = events.flatMap((e) => e.type === "phase" && e.node === "a" ? [e.phase] : []);
  assert.deepEqual(phases.slice(phases.indexOf("revoking")), ["revoking", "revoked"]);
  assert.equal(phases.filter((p) => p === "connecting").length, 1);
  for (const e of events) DeployEventSchema.parse({ ...e, time: "2026-01-01T00:00:00Z" });
});

Deno.test("pipeline: a revoke that cannot log in again fails the profile by name; the host keeps the new generation", async () => {
  const { results } = await deploy([profile("a"), profile("b")], "stop-and-revoke", ["b.system"], {
    unreachable: ["a"],
    unreachableFrom: 2,
  });
  assert.deepEqual(results.map((r) => [r.node, r.status, r.message, r.hostLeft]), [
    [
      "a",
      "failed",
      "revoking failed (after b.system failed): cannot log in again: cannot connect to root@a",
      "new-generation",
    ],
    ["b", "rolled-back", "activation failed; rolled back", undefined],
  ]);
});

Deno.test("pipeline: two nodes on one host share its login while both run; it closes after the last", async () => {
  const shared = (node: string) => ({ ...profile(node), hostname: "shared" });
  const { calls } = await deploy([shared("x"), shared("y")], "stop", [], { jobs: 2 });
  assert.deepEqual(calls.filter((c) => /^(open|close)/.test(c)), ["open shared", "close shared"]);
});

const withSecret = (node: string) =>
  planOf(node, {
    settings: {
      secrets: {
        pw: {
          text: "s3cret",
          destDir: "/run/keys",
          name: "pw",
          user: "root",
          group: "root",
          permissions: "0600",
          uploadAt: "pre-activation",
        },
      },
    },
  });

Deno.test("pipeline secrets: under stop-and-revoke, what confirmed runs' secrets replaced is dropped once the deployment is over, logging in again within --jobs", async () => {
  const plan = ["a", "b", "c"].map(withSecret);
  const { status, calls, logins, events } = await deploy(plan, "stop-and-revoke", [], { jobs: 2 });
  assert.deepEqual(Object.values(status), ["confirmed", "confirmed", "confirmed"]);
  const drops = calls.filter((c) => c.startsWith("drop"));
  assert.deepEqual(drops.sort(), [
    "drop a.system /tmp/deploy-ts-run.a",
    "drop b.system /tmp/deploy-ts-run.b",
    "drop c.system /tmp/deploy-ts-run.c",
  ]);
  // Only after the last activation: a revoke could need them until then.
  const lastActivation = calls.findLastIndex((c) => c.startsWith("activate"));
  assert.ok(calls.findIndex((c) => c.startsWith("drop")) > lastActivation);
  assert.deepEqual(verbsOn(calls, "a"), [
    "open",
    "copy",
    "activate",
    "close",
    "open",
    "drop",
    "close",
  ]);
  assert.ok(logins.most <= 2, "never more logins open than --jobs");
  assert.equal(logins.open, 0);
  assert.ok(!events.some((e) => e.type === "warning"));
});

Deno.test("pipeline secrets: a revoked run's secrets were put back by the revoke: nothing left to drop", async () => {
  const plan = ["a", "b"].map(withSecret);
  const { status, calls } = await deploy(plan, "stop-and-revoke", ["b.system"]);
  assert.deepEqual(status, { "a.system": "revoked", "b.system": "rolled-back" });
  assert.deepEqual(calls.filter((c) => c.startsWith("drop")), []);
});

Deno.test("pipeline secrets: no revoke can follow (stop, keep-going, a dry activation, one profile): the host deleted them itself, no login to drop", async () => {
  for (const onFailure of ["stop", "keep-going"] as const) {
    const { calls } = await deploy(["a", "b"].map(withSecret), onFailure, []);
    assert.deepEqual(calls.filter((c) => c.startsWith("drop")), [], onFailure);
  }
  const dry = await deploy(["a", "b"].map(withSecret), "stop-and-revoke", [], {
    goal: "dry-activate",
  });
  assert.deepEqual(dry.calls.filter((c) => c.startsWith("drop")), []);
  const one = await deploy([withSecret("a")], "stop-and-revoke", []);
  assert.deepEqual(one.calls.filter((c) => c.startsWith("drop")), []);
});

Deno.test("pipeline secrets: a drop that fails is a warning naming node and profile; the outcome stays", async () => {
  const plan = ["a", "b"].map(withSecret);
  const { status, events } = await deploy(plan, "stop-and-revoke", [], { dropFailing: ["a"] });
  assert.deepEqual(status, { "a.system": "confirmed", "b.system": "confirmed" });
  const warnings = events.filter((e) => e.type === "warning");
  assert.equal(warnings.length, 1);
  assert.deepEqual([warnings[0].node, warnings[0].profile], ["a", "system"]);
  assert.match(
    (warnings[0] as { message: string }).message,
    /stays in \/tmp\/deploy-ts-run\.a until the profile's next run: cannot delete/,
  );
});
