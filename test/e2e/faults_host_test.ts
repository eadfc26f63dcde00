/**
 * Faults on the host (issue 11): whatever goes wrong after the profile was
 * switched, the host ends confirmed or back on exactly the generation it
 * had; other local users can neither steer nor block a deployment.
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
  type ProfileSpec,
} from "../support/helper.ts";
import type { HelperCommand, RequestInput } from "../../src/wire/requests.ts";
import { fleetFlake } from "../support/fleet.ts";
import { deployCli } from "../support/cli.ts";

const ROOT_PROFILES = "/nix/var/nix/profiles/per-user/root";
const ROOT_PROFILE = `${ROOT_PROFILES}/test`;
const STATE_DIR = `${ROOT_PROFILES}/.deploy-ts`;

async function setup(specs: ProfileSpec[]) {
  const tb = await Testbed.up(1);
  const pkg = await helperPackage();
  const profiles = await Promise.all(specs.map(buildProfile));
  await copyTo(tb, "h1", pkg, ...profiles);
  return { tb, pkg, profiles };
}

function activate(
  tb: Testbed,
  pkg: string,
  closure: string,
  o: { magic?: boolean } & Partial<RequestInput<"activate">> = {},
) {
  const { magic, ...request } = o;
  return new HelperSession(
    tb,
    "root@h1",
    helperCommand(pkg, "activate", {
      closure,
      profile: { user: "root", name: "test" },
      confirmTimeout: 20,
      magicRollback: magic !== false,
      autoRollback: true,
      ...request,
    }),
  );
}

async function activated(tb: Testbed, pkg: string, closure: string): Promise<void> {
  const o = await activate(tb, pkg, closure, { magic: false }).outcome();
  assert.equal(o.outcome, "activated", o.message);
}

function helper<C extends HelperCommand>(
  tb: Testbed,
  pkg: string,
  command: C,
  request: RequestInput<C>,
) {
  return new HelperSession(tb, "root@h1", helperCommand(pkg, command, request));
}

const generations = (tb: Testbed) =>
  onHost(tb, "h1", `ls ${ROOT_PROFILES} | grep '^test-' | tr '\\n' ' '`).then((s) => s.trim());

Deno.test("faults: a full tempPath after the switch still ends rolled back, naming the cause", async () => {
  const { tb, pkg, profiles: [one, filler] } = await setup([
    { message: "one" },
    { message: "filler", script: "cat /dev/zero > /tmp/small/fill 2>/dev/null; true" },
  ]);
  await using _ = tb;
  await activated(tb, pkg, one);
  await onHost(tb, "h1", "mkdir -p /tmp/small && mount -t tmpfs -o size=256k tmpfs /tmp/small");
  const s = activate(tb, pkg, filler, { confirmTimeout: 3, tempPath: "/tmp/small" });
  const outcome = await s.outcome();
  assert.equal(outcome.outcome, "rolled-back", outcome.message);
  assert.match(outcome.message, /no confirmation within 3s; generation 1 is active again/);
  assert.match(outcome.message, /ENOSPC|no space/i);
  assert.equal(await onHost(tb, "h1", `readlink -f ${ROOT_PROFILE}`), one);
});

Deno.test("faults: the run directory deleted during the confirmation window rolls back", async () => {
  const { tb, pkg, profiles: [one, two] } = await setup([{ message: "one" }, { message: "two" }]);
  await using _ = tb;
  await activated(tb, pkg, one);
  const s = activate(tb, pkg, two, { confirmTimeout: 600 });
  const { runDir } = await s.run();
  await s.phase("awaiting-confirmation");
  await onHost(tb, "h1", `rm -rf ${runDir}`);
  const outcome = await s.outcome();
  assert.equal(outcome.outcome, "rolled-back", outcome.message);
  assert.match(outcome.message, /canary .*without a confirmation; generation 1 is active again/);
  assert.equal(await onHost(tb, "h1", `readlink -f ${ROOT_PROFILE}`), one);
});

Deno.test("faults: a tempPath another user owns, or a symlink, is refused and nothing changes", async () => {
  const { tb, pkg, profiles: [one, two] } = await setup([{ message: "one" }, { message: "two" }]);
  await using _ = tb;
  await activated(tb, pkg, one);
  const squat = await tb.ssh("alice@h1", "mkdir /tmp/squat && chmod 755 /tmp/squat");
  assert.equal(squat.code, 0, squat.stderr);
  const s = activate(tb, pkg, two, { tempPath: "/tmp/squat" });
  assert.notEqual(await s.exit, 0);
  assert.match(s.stderr, /\/tmp\/squat is owned by alice/);
  assert.equal(await onHost(tb, "h1", "ls -A /tmp/squat"), "");
  await onHost(tb, "h1", "mkdir -m 700 /tmp/private && ln -s /tmp/private /tmp/link");
  const viaLink = activate(tb, pkg, two, { tempPath: "/tmp/link/sub" });
  assert.notEqual(await viaLink.exit, 0);
  assert.match(viaLink.stderr, /\/tmp\/link is a symbolic link/);
  assert.equal(await onHost(tb, "h1", `readlink -f ${ROOT_PROFILE}`), one);
  // The default /tmp (root's, sticky) still works, and a missing tempPath is made private.
  await activated(tb, pkg, two);
  await activate(tb, pkg, one, { magic: false, tempPath: "/tmp/new/dir" }).outcome();
  assert.equal(await onHost(tb, "h1", "stat -c '%U %a' /tmp/new/dir"), "root 700");
});

Deno.test("faults: a late revoke never undoes a newer deployment", async () => {
  const { tb, pkg, profiles: [one, two, three] } = await setup([
    { message: "one" },
    { message: "two" },
    { message: "three" },
  ]);
  await using _ = tb;
  await activated(tb, pkg, one);
  await activated(tb, pkg, two);
  await activated(tb, pkg, three);
  // The revoke of the run that made generation 2 arrives after generation 3 was deployed.
  const r = helper(tb, pkg, "revoke", {
    profile: { user: "root", name: "test" },
    toGeneration: 1,
    removeGeneration: 2,
  });
  const outcome = await r.outcome();
  assert.equal(outcome.outcome, "refused", outcome.message);
  assert.match(outcome.message, /the profile moved on to generation 3; nothing changed/);
  assert.equal(await r.exit, 1);
  assert.equal(await onHost(tb, "h1", `readlink -f ${ROOT_PROFILE}`), three);
  assert.equal(await generations(tb), "test-1-link test-2-link test-3-link");
});

Deno.test("faults: rolling back deletes only the generations this run created", async () => {
  const { tb, pkg, profiles: [one, two] } = await setup([{ message: "one" }, { message: "two" }]);
  await using _ = tb;
  await activated(tb, pkg, one);
  await activated(tb, pkg, two);
  // `deploy rollback`: back to generation 1; generation 2 (two) stays the newest.
  const back = await activate(tb, pkg, one, { magic: false, generation: 1 })
    .outcome();
  assert.equal(back.outcome, "activated", back.message);
  // Redeploying two reuses generation 2; without confirmation it rolls back, keeping it.
  const s = activate(tb, pkg, two, { confirmTimeout: 2 });
  const outcome = await s.outcome();
  assert.equal(outcome.outcome, "rolled-back", outcome.message);
  assert.equal(await onHost(tb, "h1", `readlink ${ROOT_PROFILE}`), "test-1-link");
  assert.equal(await generations(tb), "test-1-link test-2-link");
});

Deno.test("faults: the profile lock is the deployers' alone, and a dead holder is named dead", async () => {
  const { tb, pkg, profiles: [one, two] } = await setup([{ message: "one" }, { message: "two" }]);
  await using _ = tb;
  await activated(tb, pkg, one);
  assert.equal(
    await onHost(tb, "h1", `stat -c '%a' ${STATE_DIR} ${STATE_DIR}/test.lock`),
    "700\n600",
  );
  // Released: no stale holder left in the file.
  assert.equal(await onHost(tb, "h1", `cat ${STATE_DIR}/test.lock`), "");
  const block = await tb.ssh("alice@h1", `flock -n ${STATE_DIR}/test.lock true`);
  assert.notEqual(block.code, 0);
  assert.match(block.stderr, /Permission denied/);
  // Someone holds the lock while the recorded holder is long gone.
  const dead = await onHost(tb, "h1", "sh -c 'echo $$'");
  await onHost(
    tb,
    "h1",
    `printf '%s' '{"deployer":"ghost@old","pid":${dead},"since":0,"runDir":"/tmp/x"}' > ${STATE_DIR}/test.lock && (flock ${STATE_DIR}/test.lock sleep 120 >/dev/null 2>&1 &)`,
  );
  const refused = await activate(tb, pkg, two, { magic: false }).outcome();
  assert.equal(refused.outcome, "refused");
  assert.match(
    refused.message,
    new RegExp(`ghost@old \\(helper pid ${dead}, no longer running\\)`),
  );
  assert.equal(await onHost(tb, "h1", `readlink -f ${ROOT_PROFILE}`), one);
});

Deno.test("faults: a hung activation is killed at activationTimeout and rolled back, also after a cut connection", async () => {
  // A unique duration, so this test finds only its own sleeps.
  const marker = `36${Math.floor(Math.random() * 1e6)}`;
  const { tb, pkg, profiles: [one, hung] } = await setup([
    { message: "one" },
    { message: `hung-${marker}`, script: `sleep ${marker} & sleep ${marker}` },
  ]);
  await using _ = tb;
  await activated(tb, pkg, one);
  const s = activate(tb, pkg, hung, { activationTimeout: 3 });
  const outcome = await s.outcome();
  assert.equal(outcome.outcome, "rolled-back", outcome.message);
  assert.match(outcome.message, /did not finish within activationTimeout \(3s\)/);
  assert.equal(await onHost(tb, "h1", `readlink -f ${ROOT_PROFILE}`), one);
  assert.equal(await onHost(tb, "h1", `pgrep -f 'slee[p] ${marker}' || true`), "");
  // The same with the connection cut during the activation: `wait` gets the outcome.
  const cut = activate(tb, pkg, hung, { activationTimeout: 3 });
  const { runDir } = await cut.run();
  await cut.phase("activating");
  cut.kill();
  const w = helper(tb, pkg, "wait", { runDir });
  const waited = await w.outcome();
  assert.equal(waited.outcome, "rolled-back", waited.message);
  assert.equal(await onHost(tb, "h1", `pgrep -f 'slee[p] ${marker}' || true`), "");
  // The lock is free again.
  await activated(tb, pkg, one);
});

async function killedDuringWindow(tb: Testbed, pkg: string, one: string, two: string) {
  await activated(tb, pkg, one);
  const s = activate(tb, pkg, two, { confirmTimeout: 600 });
  const window = await s.phase("awaiting-confirmation") as { status: { pid: number } };
  await onHost(tb, "h1", `kill -9 ${window.status.pid}`);
  s.kill();
  assert.equal(await onHost(tb, "h1", `readlink -f ${ROOT_PROFILE}`), two);
}

Deno.test("faults: a worker killed during the confirmation window is rolled back by the next query", async () => {
  const { tb, pkg, profiles: [one, two] } = await setup([{ message: "one" }, { message: "two" }]);
  await using _ = tb;
  await killedDuringWindow(tb, pkg, one, two);
  // `deploy status` is such a query: it reports what it found and did.
  const fleet = fleetFlake(tb, { web: { hostname: "h1", profiles: { test: { message: "x" } } } });
  const status = await deployCli(["status", "--json", "."], { cwd: fleet });
  assert.equal(status.code, 0, status.stderr);
  const [d] = JSON.parse(status.stdout).profiles;
  assert.equal(d.generation, 1);
  assert.match(
    d.recovered,
    /worker of run .* died before the outcome was final; generation 1 is active again/,
  );
  const again = await deployCli(["status", "."], { cwd: fleet });
  assert.match(again.stdout, /^web\.test +1 /m);
  assert.doesNotMatch(again.stdout, /rolled back just now/, "recovered once, then done");
  const record = JSON.parse(await onHost(tb, "h1", `tail -n1 ${STATE_DIR}/test.records.jsonl`));
  assert.equal(record.outcome, "rolled-back");
  assert.equal(record.activeGeneration, 1);
  assert.equal(await onHost(tb, "h1", `readlink -f ${ROOT_PROFILE}`), one);
  assert.equal(await onHost(tb, "h1", "tail -n1 /tmp/activations-root"), "one dry=0 boot=0");
});

Deno.test("faults: a worker killed during the confirmation window is rolled back by the next deployment", async () => {
  const { tb, pkg, profiles: [one, two, three] } = await setup([
    { message: "one" },
    { message: "two" },
    { message: "three" },
  ]);
  await using _ = tb;
  await killedDuringWindow(tb, pkg, one, two);
  const next = activate(tb, pkg, three, { magic: false });
  const outcome = await next.outcome();
  assert.equal(outcome.outcome, "activated", outcome.message);
  assert.ok(
    next.logLines().some((l) => /rolled back an unfinished run/.test(l)),
    next.logLines().join("\n"),
  );
  assert.equal(outcome.status.previousGeneration, 1);
  assert.equal(await onHost(tb, "h1", `readlink -f ${ROOT_PROFILE}`), three);
});

Deno.test("faults: run directories are cleaned after the outcome, keeping the last few, all private", async () => {
  const { tb, pkg, profiles } = await setup(
    ["a", "b", "c", "d", "e"].map((message) => ({ message })),
  );
  await using _ = tb;
  for (const p of profiles) await activated(tb, pkg, p);
  assert.equal(await onHost(tb, "h1", "ls -d /tmp/deploy-ts-* | wc -l"), "3");
  assert.equal(await onHost(tb, "h1", "find /tmp/deploy-ts-* -perm /077"), "");
  assert.equal(await onHost(tb, "h1", `find ${STATE_DIR} -perm /077`), "");
});

Deno.test("faults: a profile that defers its boot default (lib.activate.nixos) gets it only once confirmed", async () => {
  const deferLog = (name: string) =>
    `echo "${name} defer=\${DEPLOY_TS_BOOT_AFTER_CONFIRM:-0} boot=$BOOT" >> /tmp/defer-root`;
  const { tb, pkg, profiles: [one, two, three] } = await setup([
    { message: "one" },
    { message: "two", bootAfterConfirm: true, script: deferLog("two") },
    { message: "three", bootAfterConfirm: true, script: deferLog("three") },
  ]);
  await using _ = tb;
  await activated(tb, pkg, one);
  const s = activate(tb, pkg, two);
  const { runDir, token } = await s.run();
  await s.phase("awaiting-confirmation");
  // In the window, the new generation runs but is not the boot default.
  assert.equal(await onHost(tb, "h1", "cat /tmp/defer-root"), "two defer=1 boot=0");
  assert.equal((await confirm(tb, "root@h1", pkg, runDir, token!)).code, 0);
  assert.equal((await s.outcome()).outcome, "confirmed");
  assert.equal(
    await onHost(tb, "h1", "cat /tmp/defer-root"),
    "two defer=1 boot=0\ntwo defer=0 boot=1",
  );
  // Unconfirmed: never made the boot default; the old generation is re-activated.
  const u = await activate(tb, pkg, three, { confirmTimeout: 2 }).outcome();
  assert.equal(u.outcome, "rolled-back", u.message);
  assert.equal(
    await onHost(tb, "h1", "cat /tmp/defer-root"),
    "two defer=1 boot=0\ntwo defer=0 boot=1\nthree defer=1 boot=0\ntwo defer=0 boot=0",
  );
});
