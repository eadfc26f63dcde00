/**
 * The worker's fail-closed rules (README: "Rollback that fails closed" and
 * "On the host: the helper"), without Nix, a lock or a run directory: a
 * fake `ProfileOps` holding a profile on generation 1 that records every
 * operation, and fails the one a test names.
 */
import assert from "node:assert/strict";
import type { HealthVerdict } from "../../shared/health_checks.ts";
import type { ActivationGoal, Outcome } from "../../shared/vocabulary.ts";
import type { UploadAt } from "../../shared/secrets.ts";
import type { RunStatus } from "../../wire/protocol.ts";
import type { PendingRun } from "../pending.ts";
import type { ActivationRecord } from "../record.ts";
import type { EntryResult, RollBack } from "../roll_back.ts";
import type { ActivationJob, RevokeJob } from "../run_dir.ts";
import type { CheckLimits, Confirmation, ProfileOps, ProfileTarget } from "./profile_ops.ts";
import { runWorker } from "./worker.ts";

const PROFILE = "/nix/var/nix/profiles/per-user/deploy/app";
const CLOSURE = "/nix/store/aaaa-app-v2";

type OpName = keyof ProfileOps;

/** A profile on generation 1 (closure v1), and what the worker did to it. */
class FakeProfile implements ProfileOps {
  generations = [1];
  current: number | undefined = 1;
  pending: PendingRun | undefined;
  statuses: RunStatus[] = [];
  records: ActivationRecord[] = [];
  calls: string[] = [];
  lines: string[] = [];
  entries: { dir: string; goal: ActivationGoal; env: Record<string, string> }[] = [];
  rollBacks: RollBack[] = [];
  locked = false;
  cleanedUp = false;

  // What the test sets.
  heldBy?: string;
  entryResult: (goal: ActivationGoal) => EntryResult = () => ({ ok: true });
  verdict: HealthVerdict = { ok: true };
  confirmation: Confirmation = "confirmed";
  defersBoot = false;
  hasEntry = true;
  /** `switchProfile` creates the new generation, then throws. */
  switchFailsAfterCreating = false;
  /** Ops that throw, with how often (Infinity: every call). */
  throws = new Map<OpName, number>();
  /** Status writes throw from the first one in this phase on (ENOSPC). */
  statusFailsFrom?: RunStatus["phase"];
  #statusBroken = false;

  #fail(op: OpName): void {
    this.calls.push(op);
    const left = this.throws.get(op) ?? 0;
    if (left > 0) {
      this.throws.set(op, left - 1);
      throw new Error(`${op} broke`);
    }
  }

  say(message: string): void {
    this.lines.push(message);
  }
  lock() {
    this.#fail("lock");
    if (this.heldBy) return Promise.resolve({ heldBy: this.heldBy });
    this.locked = true;
    return Promise.resolve({ release: () => void (this.locked = false) });
  }
  recoverUnfinished(): Promise<void> {
    this.#fail("recoverUnfinished");
    return Promise.resolve();
  }
  cleanUp(): void {
    this.cleanedUp = true;
  }
  writeStatus(status: RunStatus): void {
    this.#fail("writeStatus");
    if (this.#statusBroken || status.phase === this.statusFailsFrom) {
      this.#statusBroken = true;
      throw new Error("ENOSPC: no space left on device");
    }
    this.statuses.push(status);
  }
  appendRecord(record: ActivationRecord): void {
    this.#fail("appendRecord");
    this.records.push(record);
  }
  markPending(run: PendingRun): void {
    this.#fail("markPending");
    this.pending = run;
  }
  clearPending(): void {
    this.#fail("clearPending");
    this.pending = undefined;
  }
  currentGeneration(): number | undefined {
    this.#fail("currentGeneration");
    return this.current;
  }
  listGenerations(): number[] {
    this.#fail("listGenerations");
    return [...this.generations];
  }
  switchProfile(to: ProfileTarget): Promise<void> {
    this.#fail("switchProfile");
    if ("generation" in to) {
      this.current = to.generation;
    } else {
      const created = Math.max(0, ...this.generations) + 1;
      this.generations.push(created);
      if (this.switchFailsAfterCreating) {
        return Promise.reject(new Error("nix-env: interrupted after creating the generation"));
      }
      this.current = created;
    }
    return Promise.resolve();
  }
  hasActivationEntry(): boolean {
    this.#fail("hasActivationEntry");
    return this.hasEntry;
  }
  defersBootDefault(): boolean {
    this.#fail("defersBootDefault");
    return this.defersBoot;
  }
  runEntry(
    dir: string,
    goal: ActivationGoal,
    _timeout: number | undefined,
    env: Record<string, string> = {},
  ): Promise<EntryResult> {
    this.#fail("runEntry");
    this.entries.push({ dir, goal, env });
    return Promise.resolve(this.entryResult(goal));
  }
  checkHealth(_checks: Record<string, string[]>, _limits: CheckLimits): Promise<HealthVerdict> {
    this.#fail("checkHealth");
    return Promise.resolve(this.verdict);
  }
  awaitConfirmation(): Promise<Confirmation> {
    this.#fail("awaitConfirmation");
    return Promise.resolve(this.confirmation);
  }
  rollBack(undo: RollBack): Promise<{ ok: boolean; message: string }> {
    this.#fail("rollBack");
    this.rollBacks.push(undo);
    this.current = undo.previous;
    this.generations = this.generations.filter((g) => !undo.remove.includes(g));
    return Promise.resolve({ ok: true, message: `generation ${undo.previous} is active again` });
  }

  /** The run's secrets, by when they are written; those written now, in order. */
  secrets: UploadAt[] = [];
  written: UploadAt[] = [];
  hasSecrets(uploadAt: UploadAt): boolean {
    return this.secrets.includes(uploadAt);
  }
  writeSecrets(uploadAt: UploadAt): void {
    this.#fail("writeSecrets");
    this.written.push(uploadAt);
  }
  restoredRuns: string[] = [];
  /** The runs that kept a generation, as the host's records say. */
  keptRuns = new Map<number, string>();
  runOfGeneration(generation: number): string | undefined {
    this.#fail("runOfGeneration");
    return this.keptRuns.get(generation);
  }
  restoreSecrets(ofRun?: string): string {
    this.#fail("restoreSecrets");
    if (ofRun !== undefined) {
      this.restoredRuns.push(ofRun);
      return "secret pw put back";
    }
    const had = this.written.length;
    this.written = [];
    return had ? "secrets put back" : "";
  }

  /** The switch happened: the profile was set at least once. */
  get switched(): boolean {
    return this.calls.includes("switchProfile");
  }
  get outcome(): Outcome | undefined {
    return this.records.at(-1)?.outcome ?? this.statuses.at(-1)?.outcome;
  }
  get message(): string {
    return this.records.at(-1)?.message ?? this.statuses.at(-1)?.message ?? "";
  }
}

function activation(o: Partial<ActivationJob> = {}): ActivationJob {
  return {
    kind: "activate",
    closure: CLOSURE,
    profilePath: PROFILE,
    goal: "switch",
    autoRollback: true,
    magicRollback: true,
    confirmTimeout: 30,
    deployer: "alice@laptop",
    healthChecks: { app: ["systemctl", "is-active", "app"] },
    healthTimeout: 10,
    healthInterval: 1,
    ...o,
  };
}

async function run(fake: FakeProfile, job: ActivationJob | RevokeJob): Promise<number> {
  const code = await runWorker(fake, job, "/tmp/deploy-ts-run");
  // Every outcome frees the lock and cleans up.
  assert.equal(fake.locked, false, "the lock is released");
  if (!fake.heldBy) assert.ok(fake.cleanedUp, "the run is cleaned up");
  return code;
}

/** Back on exactly generation 1, the new generation deleted, nothing left to recover. */
function assertRolledBack(fake: FakeProfile, code: number, why: RegExp, deleted = true): void {
  assert.equal(fake.outcome, "rolled-back", fake.message);
  assert.equal(code, 1);
  assert.match(fake.message, why);
  assert.ok(fake.switched);
  assert.equal(fake.current, 1);
  if (deleted) assert.deepEqual(fake.generations, [1]);
  assert.equal(fake.pending, undefined);
}

/** Failed with the new generation 2 left active, as autoRollback = false asks. */
function assertKept(fake: FakeProfile, code: number, why: RegExp): void {
  assert.equal(fake.outcome, "failed", fake.message);
  assert.equal(code, 1);
  assert.match(fake.message, why);
  assert.match(fake.message, /autoRollback is off, so generation 2 stays active/);
  assert.equal(fake.current, 2);
  assert.equal(fake.rollBacks.length, 0);
  assert.equal(fake.pending, undefined);
}

/** Failed before the switch: the profile was never touched. */
function assertUntouched(fake: FakeProfile, code: number, outcome: Outcome, why: RegExp): void {
  assert.equal(fake.outcome, outcome, fake.message);
  assert.equal(code, 1);
  assert.match(fake.message, why);
  assert.equal(fake.switched, false, "the profile was never set");
  assert.equal(fake.rollBacks.length, 0, "nothing to roll back");
  assert.equal(fake.current, 1);
  assert.deepEqual(fake.generations, [1]);
  assert.equal(fake.pending, undefined);
}

const bothWays = [true, false];
const failingCheck: HealthVerdict = {
  ok: false,
  failed: { name: "app", kind: "command", ok: false, output: "exit 3: inactive" },
};

// The good paths, for contrast.

Deno.test("worker: a confirmed switch keeps generation 2 and clears the pending mark", async () => {
  const fake = new FakeProfile();
  const code = await run(fake, activation());
  assert.equal(code, 0);
  assert.equal(fake.outcome, "confirmed");
  assert.equal(fake.current, 2);
  assert.equal(fake.pending, undefined);
  assert.equal(fake.rollBacks.length, 0);
  // The pending mark was written before the profile changed.
  assert.ok(fake.calls.indexOf("markPending") < fake.calls.indexOf("switchProfile"));
  // No canary before the host's checks passed.
  assert.ok(fake.calls.indexOf("checkHealth") < fake.calls.indexOf("awaitConfirmation"));
  assert.deepEqual(fake.statuses.map((s) => s.phase), [
    "locking",
    "setting",
    "activating",
    "awaiting-confirmation",
    "done",
  ]);
});

Deno.test("worker: without magic rollback, healthy host checks end activated", async () => {
  const fake = new FakeProfile();
  assert.equal(await run(fake, activation({ magicRollback: false })), 0);
  assert.equal(fake.outcome, "activated");
  assert.equal(fake.current, 2);
  assert.ok(!fake.calls.includes("awaitConfirmation"));
});

Deno.test("worker: a deferred boot default is set only after the confirmation", async () => {
  const fake = new FakeProfile();
  fake.defersBoot = true;
  assert.equal(await run(fake, activation()), 0);
  assert.equal(fake.outcome, "confirmed");
  assert.deepEqual(fake.entries.map((e) => [e.goal, e.env]), [
    ["switch", { DEPLOY_TS_BOOT_AFTER_CONFIRM: "1" }],
    ["boot", {}],
  ]);
  assert.ok(fake.calls.lastIndexOf("runEntry") > fake.calls.indexOf("awaitConfirmation"));
});

// Each step after the switch failing, with autoRollback on and off.

for (const autoRollback of bothWays) {
  Deno.test(`worker: the switch failing, having changed nothing, leaves generation 1 (autoRollback ${autoRollback})`, async () => {
    const fake = new FakeProfile();
    fake.throws.set("switchProfile", 1);
    const code = await run(fake, activation({ autoRollback }));
    assert.equal(fake.outcome, "failed");
    assert.equal(code, 1);
    assert.match(
      fake.message,
      /setting the profile failed: switchProfile broke; generation 1 is still active/,
    );
    assert.equal(fake.current, 1);
    assert.equal(fake.rollBacks.length, 0);
    assert.equal(fake.pending, undefined);
  });

  Deno.test(`worker: the switch failing after creating a generation rolls back (autoRollback ${autoRollback})`, async () => {
    const fake = new FakeProfile();
    fake.switchFailsAfterCreating = true;
    const code = await run(fake, activation({ autoRollback }));
    assertRolledBack(fake, code, /^setting the profile failed: nix-env: interrupted/);
    assert.deepEqual(fake.rollBacks[0].remove, [2]);
  });

  for (const magicRollback of bothWays) {
    const mode = `autoRollback ${autoRollback}, magicRollback ${magicRollback}`;
    Deno.test(`worker: the activation entry failing (${mode})`, async () => {
      const fake = new FakeProfile();
      fake.entryResult = () => ({
        ok: false,
        missing: false,
        message: "the activation script exited with code 4",
      });
      const code = await run(fake, activation({ autoRollback, magicRollback }));
      if (autoRollback) {
        assertRolledBack(fake, code, /^the activation script exited with code 4; generation 1/);
      } else assertKept(fake, code, /^the activation script exited with code 4/);
      assert.ok(!fake.calls.includes("checkHealth"));
      assert.ok(!fake.calls.includes("awaitConfirmation"));
    });

    Deno.test(`worker: the host checks failing (${mode})`, async () => {
      const fake = new FakeProfile();
      fake.verdict = failingCheck;
      const code = await run(fake, activation({ autoRollback, magicRollback }));
      // Under magic rollback nothing confirms a generation the host finds
      // unhealthy, whatever autoRollback says; without it, autoRollback decides.
      if (autoRollback || magicRollback) {
        assertRolledBack(fake, code, /health check app .*exit 3: inactive/);
      } else {
        assertKept(fake, code, /health check app .*exit 3: inactive/);
      }
      assert.ok(!fake.calls.includes("awaitConfirmation"), "no canary for an unhealthy host");
      const failed = fake.statuses.find((s) => s.failedCheck);
      assert.deepEqual(failed?.failedCheck, { name: "app", output: "exit 3: inactive" });
    });
  }

  const unconfirmed: [Confirmation, RegExp][] = [
    ["expired", /^no confirmation within 40s/],
    ["vanished", /^the canary disappeared from the run directory without a confirmation/],
    [
      { declined: "http check web failing" },
      /^the deployer declined to confirm \(http check web failing\)/,
    ],
    [
      { error: "creating the canary: EACCES" },
      /^waiting for the confirmation failed \(creating the canary: EACCES\)/,
    ],
  ];
  for (const [confirmation, why] of unconfirmed) {
    Deno.test(`worker: no confirmation (${JSON.stringify(confirmation)}) rolls back (autoRollback ${autoRollback})`, async () => {
      const fake = new FakeProfile();
      fake.confirmation = confirmation;
      assertRolledBack(fake, await run(fake, activation({ autoRollback })), why);
    });
  }

  Deno.test(`worker: the boot default failing after the confirmation rolls back (autoRollback ${autoRollback})`, async () => {
    const fake = new FakeProfile();
    fake.defersBoot = true;
    fake.entryResult = (goal) =>
      goal === "boot"
        ? { ok: false, missing: false, message: "the activation script exited with code 1" }
        : { ok: true };
    const code = await run(fake, activation({ autoRollback }));
    assertRolledBack(
      fake,
      code,
      /^confirmed, but making it the boot default failed: the activation script exited with code 1/,
    );
  });

  Deno.test(`worker: --boot whose entry fails (autoRollback ${autoRollback})`, async () => {
    const fake = new FakeProfile();
    fake.entryResult = () => ({ ok: false, missing: false, message: "exited with code 2" });
    const code = await run(fake, activation({ goal: "boot", autoRollback }));
    if (autoRollback) {
      assertRolledBack(fake, code, /^exited with code 2/);
      assert.equal(
        fake.rollBacks[0].boot,
        true,
        "the old generation is made the boot default again",
      );
    } else assertKept(fake, code, /^exited with code 2/);
  });
}

// Anything unexpected after the switch still ends rolled back.

const afterSwitch: OpName[] = [
  "currentGeneration",
  "listGenerations",
  "defersBootDefault",
  "runEntry",
  "checkHealth",
  "awaitConfirmation",
  "clearPending",
];
for (const op of afterSwitch) {
  Deno.test(`worker: ${op} throwing after the switch ends rolled back`, async () => {
    const fake = new FakeProfile();
    const job = activation();
    // Let the calls before the switch pass, then break the next one.
    const original = fake.switchProfile.bind(fake);
    fake.switchProfile = async (to) => {
      await original(to);
      fake.throws.set(op, 1);
    };
    // The first two run before the worker knows which generations it
    // created: the rollback makes generation 1 active again but leaves the
    // new generation's link (as before this port existed).
    const knowsCreated = op !== "currentGeneration" && op !== "listGenerations";
    const why = new RegExp(`^the helper failed: ${op} broke; generation 1`);
    assertRolledBack(fake, await run(fake, job), why, knowsCreated);
  });
}

Deno.test("worker: status writes failing after the switch do not stop the rollback, and are named", async () => {
  const fake = new FakeProfile();
  fake.statusFailsFrom = "activating";
  fake.confirmation = { error: "creating the canary: ENOSPC" };
  const code = await run(fake, activation());
  assertRolledBack(fake, code, /the run's status could not be written: ENOSPC/);
});

Deno.test("worker: a rollback that throws ends failed and leaves the pending mark for the next run", async () => {
  const fake = new FakeProfile();
  fake.confirmation = "expired";
  fake.throws.set("rollBack", Infinity);
  const code = await run(fake, activation());
  assert.equal(fake.outcome, "failed");
  assert.equal(code, 1);
  assert.match(
    fake.message,
    /^no confirmation within 40s; rolling back failed too: rollBack broke; the next helper run/,
  );
  assert.equal(fake.pending?.previousGeneration, 1, "the next helper run recovers it");
});

// Failures before the switch leave the profile as it was.

Deno.test("worker: a lock held by another deployment is refused, unrecorded", async () => {
  const fake = new FakeProfile();
  fake.heldBy = "bob (pid 42, since 12:00)";
  const code = await run(fake, activation());
  assertUntouched(
    fake,
    code,
    "refused",
    /is being deployed by bob \(pid 42, since 12:00\); nothing was changed/,
  );
  assert.equal(fake.records.length, 0);
});

const beforeSwitch: OpName[] = [
  "recoverUnfinished",
  "currentGeneration",
  "listGenerations",
  "hasActivationEntry",
  "markPending",
  "writeStatus",
];
for (const op of beforeSwitch) {
  Deno.test(`worker: ${op} throwing before the switch leaves the profile untouched`, async () => {
    const fake = new FakeProfile();
    // The status write that fails is the first after locking.
    if (op === "writeStatus") fake.statusFailsFrom = "setting";
    else fake.throws.set(op, 1);
    assertUntouched(fake, await run(fake, activation()), "failed", /^the helper failed: /);
  });
}

Deno.test("worker: a closure without an activation entry changes nothing", async () => {
  const fake = new FakeProfile();
  fake.hasEntry = false;
  assertUntouched(
    fake,
    await run(fake, activation()),
    "failed",
    /has no activation entry .*; nothing was changed/,
  );
});

Deno.test("worker: a generation the profile does not have changes nothing", async () => {
  const fake = new FakeProfile();
  assertUntouched(
    fake,
    await run(fake, activation({ generation: 7 })),
    "failed",
    /has no generation 7; nothing was changed/,
  );
});

Deno.test("worker: dry activation never touches the profile", async () => {
  const fake = new FakeProfile();
  fake.entryResult = () => ({ ok: false, missing: false, message: "exited with code 1" });
  const code = await run(fake, activation({ goal: "dry-activate" }));
  assertUntouched(
    fake,
    code,
    "failed",
    /^dry activation failed: exited with code 1; nothing was changed/,
  );
  assert.equal(fake.entries[0].dir, CLOSURE);
});

// Revoke.

function revocation(o: Partial<RevokeJob> = {}): RevokeJob {
  return {
    kind: "revoke",
    profilePath: PROFILE,
    toGeneration: 1,
    removeGeneration: 2,
    boot: false,
    deployer: "alice@laptop",
    expectGeneration: 2,
    ...o,
  };
}

Deno.test("worker: revoke puts the profile back on its generation", async () => {
  const fake = new FakeProfile();
  fake.generations = [1, 2];
  fake.current = 2;
  assert.equal(await run(fake, revocation()), 0);
  assert.equal(fake.outcome, "revoked");
  assert.equal(fake.current, 1);
  assert.deepEqual(fake.generations, [1]);
});

Deno.test("worker: a late revoke never undoes a newer deployment", async () => {
  const fake = new FakeProfile();
  fake.generations = [1, 2, 3];
  fake.current = 3;
  assert.equal(await run(fake, revocation()), 1);
  assert.equal(fake.outcome, "refused");
  assert.match(fake.message, /moved on to generation 3; nothing changed/);
  assert.equal(fake.current, 3);
  assert.equal(fake.rollBacks.length, 0);
});

// Secrets (src/helper/secrets/): written before the switch or after the activation, put back
// with every rollback.

Deno.test("worker: pre-activation secrets are written before the switch and kept when confirmed", async () => {
  const fake = new FakeProfile();
  fake.secrets = ["pre-activation", "post-activation"];
  assert.equal(await run(fake, activation()), 0);
  assert.equal(fake.outcome, "confirmed");
  assert.deepEqual(fake.written, ["pre-activation", "post-activation"]);
  const order = (op: string, n = 0) => fake.calls.indexOf(op, n);
  assert.ok(order("writeSecrets") < order("switchProfile"));
  // post-activation: after the entry, before the checks and the canary.
  const second = order("writeSecrets", order("writeSecrets") + 1);
  assert.ok(order("runEntry") < second && second < order("checkHealth"));
  assert.ok(!fake.calls.includes("restoreSecrets"));
});

Deno.test("worker: a pre-activation secret that cannot be written (unknown owner) fails before the switch", async () => {
  const fake = new FakeProfile();
  fake.secrets = ["pre-activation"];
  fake.throws.set("writeSecrets", 1);
  const code = await run(fake, activation());
  assertUntouched(fake, code, "failed", /writeSecrets broke; the profile was not switched/);
  // Marked pending first (a dead worker's secrets are put back too), cleared after putting back.
  assert.ok(fake.calls.indexOf("markPending") < fake.calls.indexOf("writeSecrets"));
  assert.ok(fake.calls.indexOf("restoreSecrets") < fake.calls.lastIndexOf("clearPending"));
});

Deno.test("worker: a post-activation secret that cannot be written rolls back, even with autoRollback off", async () => {
  for (const autoRollback of bothWays) {
    const fake = new FakeProfile();
    fake.secrets = ["pre-activation", "post-activation"];
    fake.throws.set("writeSecrets", 0);
    let n = 0;
    const write = fake.writeSecrets.bind(fake);
    fake.writeSecrets = (at) => {
      if (n++ === 1) throw new Error("unknown user postgres");
      write(at);
    };
    const code = await run(fake, activation({ autoRollback }));
    assertRolledBack(fake, code, /unknown user postgres \(post-activation\); .*secrets put back/);
    assert.deepEqual(fake.written, []);
  }
});

Deno.test("worker: every rollback puts the secrets back before the profile", async () => {
  const cases: [string, (f: FakeProfile) => void][] = [
    ["no confirmation", (f) => (f.confirmation = "expired")],
    ["a failing host check", (f) => (f.verdict = failingCheck)],
    [
      "a failing entry",
      (f) => (f.entryResult = () => ({ ok: false, missing: false, message: "exit 1" })),
    ],
  ];
  for (const [name, set] of cases) {
    const fake = new FakeProfile();
    fake.secrets = ["pre-activation"];
    set(fake);
    const code = await run(fake, activation());
    assertRolledBack(fake, code, /secrets put back/);
    assert.deepEqual(fake.written, [], name);
    assert.ok(fake.calls.indexOf("restoreSecrets") < fake.calls.indexOf("rollBack"), name);
  }
});

Deno.test("worker: a revoke puts the revoked run's secrets back before the profile", async () => {
  const fake = new FakeProfile();
  fake.generations = [1, 2];
  fake.current = 2;
  fake.keptRuns.set(2, "/tmp/deploy-ts-earlier");
  assert.equal(await run(fake, revocation()), 0);
  assert.equal(fake.outcome, "revoked");
  assert.match(fake.message, /generation 1 is active again; secret pw put back/);
  assert.deepEqual(fake.restoredRuns, ["/tmp/deploy-ts-earlier"]);
  assert.ok(fake.calls.indexOf("restoreSecrets") < fake.calls.indexOf("rollBack"));
});
