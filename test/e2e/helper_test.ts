/**
 * The on-host helper on testbed hosts over real SSH: activation, automatic
 * and magic rollback, the lock, the canary, detachment, profile locations,
 * dry and boot modes.
 */
import assert from "node:assert/strict";
import { Testbed } from "../support/testbed.ts";
import {
  buildProfile,
  confirm,
  copyTo,
  helperCommand,
  helperPackage,
  HelperSession,
  onHost,
} from "../support/helper.ts";
import type { RequestInput } from "../../src/wire/requests.ts";
import { shellQuoteArgv } from "../../src/shared/shell_quote.ts";
import { run } from "../../src/process/run.ts";
import { encodeOffer, offerTokenArgv } from "../../src/wire/offer.ts";

interface ActivateOptions
  extends Pick<RequestInput<"activate">, "goal" | "activationTimeout" | "deployer"> {
  user?: string;
  sshUser?: string;
  name?: string;
  profilePath?: string;
  magic?: boolean;
  auto?: boolean;
  confirmTimeout?: number;
}

function activate(
  tb: Testbed,
  host: string,
  pkg: string,
  closure: string,
  o: ActivateOptions = {},
) {
  const user = o.user ?? "root";
  const argv = helperCommand(pkg, "activate", {
    closure,
    profile: o.profilePath ? { path: o.profilePath } : { user, name: o.name ?? "test" },
    confirmTimeout: o.confirmTimeout ?? 20,
    magicRollback: o.magic !== false,
    autoRollback: o.auto !== false,
    goal: o.goal,
    activationTimeout: o.activationTimeout,
    deployer: o.deployer,
  });
  return new HelperSession(tb, `${o.sshUser ?? user}@${host}`, argv);
}

const ROOT_PROFILE = "/nix/var/nix/profiles/per-user/root/test";

async function setup(messages: string[], extra: Parameters<typeof buildProfile>[0][] = []) {
  const tb = await Testbed.up(1);
  const pkg = await helperPackage();
  const profiles = await Promise.all([
    ...messages.map((message) => buildProfile({ message })),
    ...extra.map(buildProfile),
  ]);
  await copyTo(tb, "h1", pkg, ...profiles);
  return { tb, pkg, profiles };
}

Deno.test("helper: activation confirmed over a fresh connection stays, and is recorded", async () => {
  const { tb, pkg, profiles: [one] } = await setup(["one"]);
  await using _ = tb;
  const s = activate(tb, "h1", pkg, one);
  const { runDir, token } = await s.run();
  await s.phase("awaiting-confirmation");
  const c = await confirm(tb, "root@h1", pkg, runDir, token!);
  assert.equal(c.code, 0, c.stderr);
  const outcome = await s.outcome();
  assert.equal(outcome.outcome, "confirmed");
  assert.equal(await s.exit, 0);
  assert.equal(await onHost(tb, "h1", `readlink -f ${ROOT_PROFILE}`), one);
  assert.equal(await onHost(tb, "h1", "cat /tmp/activations-root"), "one dry=0 boot=0");
  assert.ok(s.logLines().some((l) => l.includes(`activating one mode=00 profile=${ROOT_PROFILE}`)));
  const record = JSON.parse(
    await onHost(
      tb,
      "h1",
      `tail -n1 /nix/var/nix/profiles/per-user/root/.deploy-ts/test.records.jsonl`,
    ),
  );
  assert.equal(record.outcome, "confirmed");
  assert.equal(record.closure, one);
  assert.equal(record.newGeneration, 1);
  // Nothing is left to confirm: the canary is gone in every outcome.
  assert.equal(await onHost(tb, "h1", `ls ${runDir}`), "job.json\nlog\nstatus.json\ntoken.sha256");
});

Deno.test("helper: a failing activation rolls back to the previous generation and re-activates it", async () => {
  const { tb, pkg, profiles: [one, bad] } = await setup(["one"], [{ message: "bad", exitCode: 3 }]);
  await using _ = tb;
  const first = activate(tb, "h1", pkg, one, { magic: false });
  assert.equal((await first.outcome()).outcome, "activated");
  const s = activate(tb, "h1", pkg, bad);
  const outcome = await s.outcome();
  assert.equal(outcome.outcome, "rolled-back");
  assert.match(
    outcome.message,
    /exited with code 3; generation 1 is active again and re-activated/,
  );
  assert.equal(outcome.status.activeGeneration, 1);
  assert.equal(await s.exit, 1);
  assert.equal(await onHost(tb, "h1", `readlink ${ROOT_PROFILE}`), "test-1-link");
  // The failed generation is deleted; the previous one ran again.
  assert.equal(
    await onHost(tb, "h1", `ls /nix/var/nix/profiles/per-user/root/ | grep -c '^test-'`),
    "1",
  );
  assert.equal(
    await onHost(tb, "h1", "cat /tmp/activations-root"),
    "one dry=0 boot=0\nbad dry=0 boot=0\none dry=0 boot=0",
  );
});

Deno.test("helper: without confirmation the host rolls back within confirmTimeout", async () => {
  const { tb, pkg, profiles: [one, two] } = await setup(["one", "two"]);
  await using _ = tb;
  assert.equal(
    (await activate(tb, "h1", pkg, one, { magic: false }).outcome()).outcome,
    "activated",
  );
  const s = activate(tb, "h1", pkg, two, { confirmTimeout: 2 });
  await s.phase("awaiting-confirmation");
  const outcome = await s.outcome();
  assert.equal(outcome.outcome, "rolled-back");
  assert.match(outcome.message, /no confirmation within 2s; generation 1 is active again/);
  // The host waited for the whole confirmTimeout (its own clock) before rolling back.
  assert.ok(outcome.status.confirmDeadline !== undefined);
  assert.ok(
    outcome.status.updatedAt >= outcome.status.confirmDeadline!,
    JSON.stringify(outcome.status),
  );
  assert.equal(await onHost(tb, "h1", `readlink -f ${ROOT_PROFILE}`), one);
});

Deno.test("helper: a first deployment that fails leaves the host as it was", async () => {
  const { tb, pkg, profiles: [bad] } = await setup([], [{ message: "bad", exitCode: 1 }]);
  await using _ = tb;
  const outcome = await activate(tb, "h1", pkg, bad).outcome();
  assert.equal(outcome.outcome, "rolled-back");
  assert.match(outcome.message, /did not exist before this deployment and has been removed/);
  assert.equal(
    await onHost(tb, "h1", `ls /nix/var/nix/profiles/per-user/root/ | grep -c '^test' || true`),
    "0",
  );
});

Deno.test("helper: an activation survives a cut SSH connection, and wait reattaches", async () => {
  const { tb, pkg, profiles: [slow] } = await setup([], [{ message: "slow", sleep: 3 }]);
  await using _ = tb;
  const s = activate(tb, "h1", pkg, slow, { confirmTimeout: 20 });
  const { runDir, token } = await s.run();
  await s.phase("activating");
  s.kill();
  await s.exit;
  const w = new HelperSession(tb, "root@h1", helperCommand(pkg, "wait", { runDir }));
  await w.phase("awaiting-confirmation");
  assert.equal((await confirm(tb, "root@h1", pkg, runDir, token!)).code, 0);
  assert.equal((await w.outcome()).outcome, "confirmed");
  assert.ok(w.logLines().some((l) => l.startsWith("activating slow")), "the log is streamed again");
  assert.equal(await onHost(tb, "h1", `readlink -f ${ROOT_PROFILE}`), slow);
});

Deno.test("helper: a cut connection and no confirmation still rolls back", async () => {
  const { tb, pkg, profiles: [one, two] } = await setup(["one", "two"]);
  await using _ = tb;
  assert.equal(
    (await activate(tb, "h1", pkg, one, { magic: false }).outcome()).outcome,
    "activated",
  );
  const s = activate(tb, "h1", pkg, two, { confirmTimeout: 2 });
  const { runDir } = await s.run();
  await s.phase("awaiting-confirmation");
  s.kill();
  const w = new HelperSession(tb, "root@h1", helperCommand(pkg, "wait", { runDir }));
  assert.equal((await w.outcome()).outcome, "rolled-back");
  assert.equal(await w.exit, 1);
  assert.equal(await onHost(tb, "h1", `readlink -f ${ROOT_PROFILE}`), one);
});

Deno.test("helper: a second deployment of the same profile is refused, naming the holder", async () => {
  // The first activation holds the lock until the test lets it go: no timing to lose.
  const { tb, pkg, profiles: [other, slow] } = await setup(["other"], [{
    message: "slow",
    script: "i=0; while [ ! -e /tmp/release ] && [ $i -lt 1800 ]; do sleep 0.1; i=$((i+1)); done",
  }]);
  await using _ = tb;
  const a = activate(tb, "h1", pkg, slow, { magic: false, deployer: "ops@laptop" });
  await a.phase("activating");
  const b = activate(tb, "h1", pkg, other, { magic: false });
  const refused = await b.outcome();
  await onHost(tb, "h1", "touch /tmp/release");
  assert.equal(refused.outcome, "refused");
  assert.match(
    refused.message,
    /is being deployed by ops@laptop \(helper pid \d+\) since \d{4}-.*; nothing was changed/,
  );
  assert.equal(await b.exit, 1);
  assert.equal((await a.outcome()).outcome, "activated");
  assert.equal(await onHost(tb, "h1", `readlink -f ${ROOT_PROFILE}`), slow);
});

Deno.test("helper: a lock whose holder died is taken over", async () => {
  const { tb, pkg, profiles: [other, slow] } = await setup(["other"], [{
    message: "slow",
    sleep: 30,
  }]);
  await using _ = tb;
  const a = activate(tb, "h1", pkg, slow, { magic: false });
  const started = await a.phase("activating") as { status: { pid: number } };
  await onHost(tb, "h1", `kill -9 ${started.status.pid}`);
  assert.equal((await a.outcome()).outcome, "failed");
  const b = activate(tb, "h1", pkg, other, { magic: false });
  assert.equal((await b.outcome()).outcome, "activated");
});

Deno.test("helper: a token or canary from an earlier run can never confirm a new one", async () => {
  const { tb, pkg, profiles: [one, two] } = await setup(["one", "two"]);
  await using _ = tb;
  const old = activate(tb, "h1", pkg, one, { confirmTimeout: 1 });
  const first = await old.run();
  assert.equal((await old.outcome()).outcome, "rolled-back");
  // A window no loaded machine can close early; the run's own token closes it at the end.
  const s = activate(tb, "h1", pkg, two, { confirmTimeout: 120 });
  const { runDir, token } = await s.run();
  await s.phase("awaiting-confirmation");
  const stale = await confirm(tb, "root@h1", pkg, runDir, first.token!);
  assert.notEqual(stale.code, 0);
  assert.match(stale.stderr, /does not belong to/);
  const replay = await confirm(tb, "root@h1", pkg, first.runDir, first.token!);
  assert.notEqual(replay.code, 0);
  assert.match(replay.stderr, /no confirmation is pending/);
  // Neither attempt used up the pending confirmation.
  assert.equal((await confirm(tb, "root@h1", pkg, runDir, token!)).code, 0);
  assert.equal((await s.outcome()).outcome, "confirmed");
});

Deno.test("helper: another local user can neither forge nor remove the canary", async () => {
  const { tb, pkg, profiles: [one] } = await setup(["one"]);
  await using _ = tb;
  // Long enough that the attack always lands inside the window on a loaded machine.
  const s = activate(tb, "h1", pkg, one, { confirmTimeout: 15 });
  const { runDir, token } = await s.run();
  await s.phase("awaiting-confirmation");
  const attack = await tb.ssh(
    "alice@h1",
    `ls ${runDir}; rm -f ${runDir}/canary; touch ${runDir}/canary; echo ${token} | ${
      shellQuoteArgv(helperCommand(pkg, "confirm", { runDir }))
    }`,
  );
  assert.notEqual(attack.code, 0);
  assert.match(attack.stderr, /Permission denied/);
  assert.match(attack.stderr, /not a private deploy-ts run directory of this user/);
  assert.equal((await s.outcome()).outcome, "rolled-back");
});

Deno.test("helper: non-root profiles in the legacy per-user directory and in the XDG location", async () => {
  const { tb, pkg, profiles: [one] } = await setup(["one"]);
  await using _ = tb;
  // deploy has no legacy directory: Nix 2.14+'s location under its home (from the password database).
  const x = activate(tb, "h1", pkg, one, { user: "deploy", name: "app", magic: false });
  assert.equal((await x.outcome()).outcome, "activated");
  assert.equal(
    await onHost(tb, "h1", "readlink -f /home/deploy/.local/state/nix/profiles/app"),
    one,
  );
  // alice has one: it is used.
  await onHost(
    tb,
    "h1",
    "mkdir -p /nix/var/nix/profiles/per-user/alice && chown alice /nix/var/nix/profiles/per-user/alice",
  );
  const s = activate(tb, "h1", pkg, one, { user: "alice", name: "app", magic: true });
  const { runDir, token } = await s.run();
  await s.phase("awaiting-confirmation");
  assert.equal((await confirm(tb, "alice@h1", pkg, runDir, token!)).code, 0);
  assert.equal((await s.outcome()).outcome, "confirmed");
  assert.equal(await onHost(tb, "h1", "readlink -f /nix/var/nix/profiles/per-user/alice/app"), one);
  assert.equal(await onHost(tb, "h1", `stat -c '%U %a' ${runDir}`), "alice 700");
});

Deno.test("helper: rolling back to a generation made by deploy-rs re-runs its deploy-rs-activate", async () => {
  const { tb, pkg, profiles: [legacy, bad] } = await setup([], [
    { message: "legacy", entry: "deploy-rs-activate" },
    { message: "bad", exitCode: 2 },
  ]);
  await using _ = tb;
  await onHost(
    tb,
    "h1",
    `mkdir -p /nix/var/nix/profiles/per-user/root && nix-env -p ${ROOT_PROFILE} --set ${legacy}`,
  );
  const outcome = await activate(tb, "h1", pkg, bad).outcome();
  assert.equal(outcome.outcome, "rolled-back");
  assert.match(outcome.message, /generation 1 is active again and re-activated/);
  assert.equal(
    await onHost(tb, "h1", "cat /tmp/activations-root"),
    "bad dry=0 boot=0\nlegacy dry=0 boot=0",
  );
});

Deno.test("helper: dry-activate changes nothing; boot sets the profile without magic rollback", async () => {
  const { tb, pkg, profiles: [one, nixos, badBoot] } = await setup(["one"], [
    { message: "nixos", entry: "switch-to-configuration" },
    { message: "badboot", entry: "switch-to-configuration", exitCode: 1 },
  ]);
  await using _ = tb;
  assert.equal(
    (await activate(tb, "h1", pkg, one, { magic: false }).outcome()).outcome,
    "activated",
  );
  const dry = await activate(tb, "h1", pkg, nixos, { goal: "dry-activate" }).outcome();
  assert.equal(dry.outcome, "dry-activated");
  assert.equal(await onHost(tb, "h1", `readlink -f ${ROOT_PROFILE}`), one);
  const boot = activate(tb, "h1", pkg, nixos, { goal: "boot" });
  assert.equal((await boot.outcome()).outcome, "activated-for-boot");
  assert.ok(!boot.events.some((e) => e.type === "phase" && e.phase === "awaiting-confirmation"));
  assert.equal(await onHost(tb, "h1", `readlink -f ${ROOT_PROFILE}`), nixos);
  const failed = await activate(tb, "h1", pkg, badBoot, { goal: "boot" }).outcome();
  assert.equal(failed.outcome, "rolled-back");
  // On a failed boot activation, the previous generation becomes the boot default again (BOOT=1, "boot").
  assert.equal(
    await onHost(tb, "h1", "cat /tmp/activations-root"),
    [
      "one dry=0 boot=0",
      "nixos dry=1 boot=0 dry-activate",
      "nixos dry=0 boot=1 boot",
      "badboot dry=0 boot=1 boot",
      "nixos dry=0 boot=1 boot",
    ].join("\n"),
  );
});

Deno.test("helper: past activationTimeout the host kills the activation and rolls back", async () => {
  const { tb, pkg, profiles: [one, slow] } = await setup(["one"], [{
    message: "slow",
    sleep: 600,
  }]);
  await using _ = tb;
  assert.equal(
    (await activate(tb, "h1", pkg, one, { magic: false }).outcome()).outcome,
    "activated",
  );
  const s = activate(tb, "h1", pkg, slow, {
    confirmTimeout: 2,
    activationTimeout: 1,
  });
  const outcome = await s.outcome();
  assert.equal(outcome.outcome, "rolled-back");
  assert.match(
    outcome.message,
    /did not finish within activationTimeout \(1s\) and was killed; generation 1 is active again/,
  );
  assert.equal(await onHost(tb, "h1", `readlink -f ${ROOT_PROFILE}`), one);
});

Deno.test("helper: a token offered over a new connection confirms; a wrong one is refused", async () => {
  const { tb, pkg, profiles: [one] } = await setup(["one"]);
  await using _ = tb;
  const s = activate(tb, "h1", pkg, one, { confirmTimeout: 120 });
  const { runDir, token } = await s.run();
  await s.phase("awaiting-confirmation");
  // What the deployer's fresh connection runs: a shell, not another helper start.
  const offer = (t: string) =>
    run(["ssh", ...tb.sshOpts, "root@h1", shellQuoteArgv(offerTokenArgv(runDir))], {
      input: encodeOffer({ kind: "confirm", token: t }),
    });
  assert.equal((await offer("0".repeat(64))).code, 0);
  await s.waitFor((e) => e.type === "log" && /offered and refused/.test(e.line));
  assert.equal((await offer(token!)).code, 0);
  assert.equal((await s.outcome()).outcome, "confirmed");
  assert.equal(await onHost(tb, "h1", `readlink -f ${ROOT_PROFILE}`), one);
});
