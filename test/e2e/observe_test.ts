/**
 * Seeing what happens: plain lines, the JSON event stream, the terminal view
 * (through a pseudo-terminal), --log-dir, and the status, rollback and diff
 * commands, on testbed hosts.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { jsonEvents } from "../support/events.ts";
import type { DeployEvent } from "../../src/shared/events.ts";
import { deployCli } from "../support/cli.ts";
import {
  activations,
  deployFleet,
  fleetFlake,
  type FleetNode,
  profileTarget,
  ROOT_PROFILE,
} from "../support/fleet.ts";
import { Testbed } from "../support/testbed.ts";
import { inTerminal } from "../support/terminal.ts";

const events = jsonEvents;

const phasesOf = (es: DeployEvent[], node: string, profile: string) =>
  es.flatMap((
    e,
  ) => (e.type === "phase" && e.node === node && e.profile === profile ? [e.phase] : []));

Deno.test("json: the event stream of a successful, a rolled-back and a failed deployment", async () => {
  await using tb = await Testbed.up(2);
  const nodes = (v: string, fail: boolean): Record<string, FleetNode> => ({
    web: { hostname: "h1", profiles: { system: { message: `web-${v}` } } },
    db: {
      hostname: "h2",
      profiles: {
        system: { message: `db-${v}`, exitCode: fail ? 3 : 0 },
        app: { message: `app-${v}`, exitCode: fail ? 4 : 0, settings: { autoRollback: false } },
      },
      profilesOrder: ["app", "system"],
    },
  });
  const ok = await deployFleet(fleetFlake(tb, nodes("v1", false)), ["--json"]);
  assert.equal(ok.code, 0, ok.stderr);
  const good = events(ok.stdout);
  assert.deepEqual(phasesOf(good, "web", "system"), [
    "queued",
    "building",
    "connecting",
    "copying",
    "activating",
    "confirming",
    "done",
  ]);
  assert.ok(
    good.some((e) =>
      e.type === "log" && e.node === "web" && e.source === "host" &&
      e.line.includes("activating web-v1")
    ),
  );
  const summary = good.at(-1)!;
  assert.equal(summary.type, "summary");
  assert.equal(summary.type === "summary" && summary.ok, true);
  assert.ok(good.every((e) => !Number.isNaN(Date.parse(e.time))));

  const bad = await deployFleet(fleetFlake(tb, nodes("v2", true)), ["--json", "--keep-going"]);
  // web keeps v2 and db.app stays on its new generation (autoRollback off): hosts changed.
  assert.equal(bad.code, 3, bad.stderr);
  const es = events(bad.stdout);
  const last = es.at(-1)!;
  assert.ok(last.type === "summary" && !last.ok);
  const result = (node: string, profile: string) =>
    last.type === "summary"
      ? last.profiles.find((p) => p.node === node && p.profile === profile)
      : undefined;
  assert.equal(result("web", "system")?.status, "confirmed");
  // autoRollback off: the failure is reported as failed and the new generation stays.
  assert.equal(result("db", "app")?.status, "failed");
  assert.match(
    result("db", "app")!.message,
    /exited with code 4; autoRollback is off, so generation 2 stays active/,
  );
  assert.equal(result("db", "system")?.status, "skipped");
  assert.ok(phasesOf(es, "db", "app").includes("failed"));

  const rolled = await deployFleet(
    fleetFlake(tb, {
      db: { hostname: "h2", profiles: { system: { message: "db-v3", exitCode: 5 } } },
    }),
    ["--json"],
  );
  const rs = events(rolled.stdout);
  const final = rs.at(-1)!;
  assert.ok(final.type === "summary" && final.profiles[0].status === "rolled-back");
  assert.ok(phasesOf(rs, "db", "system").includes("rolled-back"));
});

Deno.test("json: what holds a profile back is a waiting phase: a --jobs slot, the profile before it", async () => {
  await using tb = await Testbed.up(1);
  const dir = fleetFlake(tb, {
    n1: { hostname: "h1", profiles: { system: { message: "n1", sleep: 1 } } },
    n2: { hostname: "h1", profiles: { system: { message: "n2" } } },
    n3: {
      hostname: "h1",
      profilesOrder: ["first", "second"],
      profiles: { first: { message: "n3-first" }, second: { message: "n3-second" } },
    },
  });
  const r = await deployFleet(dir, ["--json", "--jobs", "1"]);
  assert.equal(r.code, 0, r.stderr);
  const es = events(r.stdout);
  const waitingFor = (node: string, profile: string) =>
    es.flatMap((e) =>
      e.type === "phase" && e.node === node && e.profile === profile && e.phase === "waiting"
        ? [e.message]
        : []
    );
  assert.deepEqual(waitingFor("n1", "system"), []);
  assert.deepEqual(waitingFor("n2", "system"), ["for a --jobs slot (1 at once)"]);
  assert.deepEqual(waitingFor("n3", "second"), ["for a --jobs slot (1 at once)", "for n3.first"]);
  // A waiting profile is not shown building: after the build, waiting, then its own work.
  // (n2 shares n1's login to h1: its own work starts with the copy.)
  const n2 = phasesOf(es, "n2", "system");
  assert.deepEqual(n2.slice(0, 3), ["queued", "building", "waiting"]);
  assert.ok(["connecting", "copying"].includes(n2[3]), n2.join(","));
});

Deno.test("json: a run that cannot start ends with an error event naming what is wrong", async () => {
  await using tb = await Testbed.up(1);
  const dir = fleetFlake(tb, { web: { hostname: "h1", profiles: { system: { message: "x" } } } });
  const r = await deployFleet(dir, ["--json", ".#wbe"]);
  assert.equal(r.code, 2, "an unknown node is a configuration error");
  const last = events(r.stdout).at(-1)!;
  assert.equal(last.type, "error");
  assert.ok(
    last.type === "error" && /no node named "wbe".*did you mean "web"\?/.test(last.message),
    JSON.stringify(last),
  );
});

Deno.test("plain output and --log-dir: lines prefixed with node and profile, a log file per profile", async () => {
  await using tb = await Testbed.up(1);
  const logs = mkdtempSync(join(tmpdir(), "deploy-ts-logs-"));
  const r = await deployFleet(
    fleetFlake(tb, {
      web: { hostname: "h1", profiles: { system: { message: "plain" }, app: { message: "app" } } },
    }),
    ["--log-dir", logs],
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^\[web\.system\] activating$/m);
  assert.match(r.stderr, /^\[web\.system\] activating plain as root$/m);
  assert.match(r.stderr, /^ {2}web\.system +confirmed +generation 1 is active and confirmed$/m);
  assert.deepEqual(readdirSync(logs).sort(), [
    "deploy.log",
    "web.app.log",
    "web.log",
    "web.system.log",
  ]);
  const system = readFileSync(join(logs, "web.system.log"), "utf8");
  assert.match(system, /phase activating/);
  assert.match(system, /host \| activating plain as root/);
  assert.match(system, /result confirmed: generation 1 is active and confirmed/);
  assert.match(system, /host-side log of this activation: \/tmp\/deploy-ts-\w+\/log \(on web\)/);
  assert.match(readFileSync(join(logs, "deploy.log"), "utf8"), /summary: every profile deployed/);
});

Deno.test("terminal view: a live table redrawn in place, then the summary and the failing log", async () => {
  await using tb = await Testbed.up(1);
  const dir = fleetFlake(tb, {
    web: {
      hostname: "h1",
      profiles: {
        system: { message: "tty", sleep: 1 },
        zz: { message: "broken", exitCode: 7, script: "echo the-reason-it-failed" },
      },
    },
  });
  const colored = await inTerminal(dir, ["-s", "."], {});
  assert.equal(colored.code, 1, colored.out);
  assert.match(colored.out, /deploy-ts \d+:\d\d {2}1 node, 2 profiles: /);
  // deno-lint-ignore no-control-regex
  assert.match(colored.out, /\x1b\[\d+F/, "the view moves up to redraw itself");
  // deno-lint-ignore no-control-regex
  assert.match(colored.out, /\x1b\[32m/, "colours on a terminal");
  assert.match(colored.out, /web\.zz +rolled back/);
  assert.match(colored.out, /the-reason-it-failed/, "the failing profile's log is shown");
  const plain = await inTerminal(dir, ["-s", "."], { NO_COLOR: "1" });
  // deno-lint-ignore no-control-regex
  assert.doesNotMatch(plain.out, /\x1b\[3\dm/, "NO_COLOR: no colours");
  const noProgress = await inTerminal(dir, ["-s", "--no-progress", "."], {});
  // deno-lint-ignore no-control-regex
  assert.doesNotMatch(noProgress.out, /\x1b\[\d+F/);
  assert.match(noProgress.out, /\[web\.system\] activating/);
});

Deno.test("terminal view: -i asks first, and the view starts only after the answer", async () => {
  await using tb = await Testbed.up(1);
  const dir = fleetFlake(tb, {
    web: { hostname: "h1", profiles: { system: { message: "asked" } } },
  });
  const r = await inTerminal(dir, ["-s", "-i", "."], {}, { prompt: /Are you sure/, answer: "yes" });
  assert.equal(r.code, 0, r.out);
  assert.equal(r.answered, 1);
  const asked = r.out.indexOf("Are you sure you want to deploy these profiles?");
  const firstFrame = r.out.indexOf("deploy-ts 0:");
  assert.ok(asked >= 0 && firstFrame > asked, "the prompt comes before the live view");
  assert.match(r.out, /1 profile deployed/);

  // Answered no: exit code 4, and the host was never contacted.
  const before = await activations(tb, "h1");
  const no = await inTerminal(dir, ["-s", "-i", "."], {}, { prompt: /Are you sure/, answer: "no" });
  assert.equal(no.code, 4, no.out);
  assert.match(no.out, /deployment cancelled; nothing was changed/);
  assert.deepEqual(await activations(tb, "h1"), before);
});

Deno.test("status, diff and rollback on deployed profiles", async () => {
  await using tb = await Testbed.up(1);
  const flake = (v: string) =>
    fleetFlake(tb, { web: { hostname: "h1", profiles: { system: { message: `web-${v}` } } } });
  const v1 = flake("v1");
  const v2 = flake("v2");
  assert.equal((await deployFleet(v1, [])).code, 0);
  assert.equal((await deployFleet(v2, [])).code, 0);
  const first = await profileTarget(tb, "h1", ROOT_PROFILE("system"));

  const s = await deployCliIn(v2, ["status", "--json", "."]);
  assert.equal(s.code, 0, s.stderr);
  const [web] = JSON.parse(s.stdout).profiles;
  assert.equal(web.generation, 2);
  assert.equal(web.closure, first);
  assert.equal(web.matchesFlake, true);
  assert.equal(web.outcome, "confirmed");
  assert.match(web.deployer, /^root@/);
  const table = await deployCliIn(v1, ["status", "."]);
  assert.match(
    table.stdout,
    /^web\.system +2 +\d{4}-\d\d-\d\d \S+ +root@\S+ +differs from the flake$/m,
  );

  const diff = await deployCliIn(flake("v3"), ["diff", "."]);
  assert.equal(diff.code, 0, diff.stderr);
  assert.match(
    diff.stdout,
    /^web\.system: generation 2 -> new closure\n {2}- profile-web-v2\n {2}\+ profile-web-v3|^web\.system: generation 2 -> new closure\n {2}\+ profile-web-v3\n {2}- profile-web-v2/m,
  );
  assert.match(diff.stdout, /closure size: .* -> .*\(\+0 B\)/);

  const back = await deployCliIn(v2, ["rollback", "."]);
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stderr, /web\.system +confirmed +generation 1 is active and confirmed/);
  assert.match(await profileTarget(tb, "h1", ROOT_PROFILE("system")), /-web-v1$/);
  const forward = await deployCliIn(v2, ["rollback", "--to", "2", "."]);
  assert.equal(forward.code, 0, forward.stderr);
  assert.equal(await profileTarget(tb, "h1", ROOT_PROFILE("system")), first);
  const none = await deployCliIn(v2, ["rollback", "--to", "9", "."]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /there is no generation 9 \(generations: 1, 2\)/);

  // --boot: the profile is set for the next boot, which status does not call up to date.
  const v3 = flake("v3");
  assert.equal((await deployFleet(v3, ["--boot"])).code, 0);
  const boot = JSON.parse((await deployCliIn(v3, ["status", "--json", "."])).stdout).profiles[0];
  assert.equal(boot.state, "set-for-boot", JSON.stringify(boot));
  assert.match((await deployCliIn(v3, ["status", "."])).stdout, /set for the next boot/);
});

/** `deploy COMMAND …` in a flake's directory; options follow the command's name. */
function deployCliIn(dir: string, [command, ...rest]: string[]) {
  return deployCli([command, "-s", "--no-progress", ...rest], { cwd: dir });
}
