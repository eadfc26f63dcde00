/**
 * Health checks end to end (issue 15): host-side command checks and
 * deployer-side HTTP checks decide whether a generation is confirmed; a
 * failing one rolls the host back, by itself when the deployer is gone;
 * `deploy check` looks without changing anything. All traffic goes to the
 * testbed hosts' own loopback addresses.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { DeployEventSchema } from "../../src/shared/event_schema.ts";
import { Testbed } from "../support/testbed.ts";
import { cliArgv } from "../support/cli.ts";
import { deployFleet, fleetFlake, profileTarget, ROOT_PROFILE } from "../support/fleet.ts";

/** The marker the good generation's activation creates and the bad one removes. */
const MARKER = "/tmp/service-up";
const UP = `touch ${MARKER}`;
const DOWN = `rm -f ${MARKER}`;
const COMMAND_CHECK = { up: { command: ["test", "-e", MARKER] } };
// Short timeouts: every test here waits for them to run out on purpose.
const RECORDS = "/nix/var/nix/profiles/.deploy-ts/system.records.jsonl";
const FAST = { healthTimeout: 3, healthInterval: 1, confirmTimeout: 5 };

function summaryOf(stdout: string) {
  const events = stdout.trim().split("\n").map((l) => DeployEventSchema.parse(JSON.parse(l)));
  const summary = events.find((e) => e.type === "summary");
  assert.ok(summary?.type === "summary", stdout);
  return summary;
}

/**
 * A small HTTP server on a host's address, standing in for the service the
 * good generation starts: it answers 200 while the host has the marker, 503
 * otherwise (the host has no server program of its own).
 */
function serviceOn(tb: Testbed, host: string) {
  const hostname = `${tb.net}.${10 + Number(host.slice(1))}`;
  const server = Deno.serve({ hostname, port: 0, onListen: () => {} }, async () => {
    const up = (await tb.exec(host, ["test", "-e", MARKER])).code === 0;
    return new Response(up ? "up" : "down", { status: up ? 200 : 503 });
  });
  return { url: `http://${hostname}:${server.addr.port}/health`, server };
}

Deno.test("health: a passing command check confirms; a failing one rolls back on the host and the summary names it", async () => {
  await using tb = await Testbed.up(1);
  const fleet = (good: boolean, settings: Record<string, unknown> = {}) =>
    fleetFlake(tb, {
      web: {
        hostname: "h1",
        settings: { ...FAST, healthChecks: COMMAND_CHECK, ...settings },
        profiles: { system: { message: good ? "good" : "bad", script: good ? UP : DOWN } },
      },
    });
  const first = await deployFleet(fleet(true), []);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /web\.system +confirmed/);
  assert.match(first.stderr, /health check up \(command\): passed/);
  const good = await profileTarget(tb, "h1", ROOT_PROFILE("system"));
  assert.match(good, /-profile-good$/);

  const bad = await deployFleet(fleet(false), ["--json"]);
  assert.equal(bad.code, 1, bad.stderr);
  const summary = summaryOf(bad.stdout);
  const [result] = summary.profiles;
  assert.equal(result.status, "rolled-back");
  assert.equal(result.failedCheck?.name, "up");
  assert.match(result.message, /health check up \(command\) did not pass/);
  assert.match(result.failedCheck!.output, /exit 1/);
  assert.equal(await profileTarget(tb, "h1", ROOT_PROFILE("system")), good);

  // Without magic rollback the host checks right after the activation and rolls back itself.
  const explicit = await deployFleet(fleet(false, { magicRollback: false }), []);
  assert.equal(explicit.code, 1, explicit.stderr);
  assert.match(
    explicit.stderr,
    /web\.system +rolled back +health check up \(command\) did not pass/,
  );
  assert.equal(await profileTarget(tb, "h1", ROOT_PROFILE("system")), good);

  // --skip-health-checks deploys the bad generation anyway, and says so.
  const skipped = await deployFleet(fleet(false), ["--skip-health-checks"]);
  assert.equal(skipped.code, 0, skipped.stderr);
  assert.match(skipped.stderr, /health checks were skipped \(--skip-health-checks\)/);
  assert.match(await profileTarget(tb, "h1", ROOT_PROFILE("system")), /-profile-bad$/);
});

Deno.test("health: an HTTP check from the deployer confirms the good generation and rolls back the bad one, with and without magic rollback", async () => {
  await using tb = await Testbed.up(1);
  const service = serviceOn(tb, "h1");
  try {
    const fleet = (good: boolean, settings: Record<string, unknown> = {}) =>
      fleetFlake(tb, {
        web: {
          hostname: "h1",
          settings: { ...FAST, healthChecks: { http: { http: service.url } }, ...settings },
          profiles: {
            system: { message: good ? "good" : "bad", script: good ? UP : DOWN },
          },
        },
      });
    const first = await deployFleet(fleet(true), []);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /health check http \(http\): passed: HTTP 200/);
    const good = await profileTarget(tb, "h1", ROOT_PROFILE("system"));

    const bad = await deployFleet(fleet(false), []);
    assert.equal(bad.code, 1, bad.stderr);
    // The deployer tells the host, which rolls back without waiting for its window to close.
    assert.match(
      bad.stderr,
      /web\.system +rolled back +the deployer declined to confirm \(health check http \(http\)/,
    );
    assert.match(bad.stderr, /HTTP 503/);
    assert.equal(await profileTarget(tb, "h1", ROOT_PROFILE("system")), good);

    // Without magic rollback the deployer rolls back explicitly.
    const explicit = await deployFleet(fleet(false, { magicRollback: false }), ["--json"]);
    assert.equal(explicit.code, 1, explicit.stderr);
    const [result] = summaryOf(explicit.stdout).profiles;
    assert.equal(result.status, "rolled-back");
    assert.equal(result.failedCheck?.name, "http");
    assert.equal(await profileTarget(tb, "h1", ROOT_PROFILE("system")), good);
  } finally {
    await service.server.shutdown();
  }
});

Deno.test("health: the deployer killed while its check still fails; the host rolls back by itself", async () => {
  await using tb = await Testbed.up(1);
  const service = serviceOn(tb, "h1");
  try {
    const fleet = (good: boolean) =>
      fleetFlake(tb, {
        web: {
          hostname: "h1",
          // Long enough that the deployer is killed while its checks still fail,
          // before it could tell the host so.
          settings: { ...FAST, healthTimeout: 20, healthChecks: { http: { http: service.url } } },
          profiles: {
            system: { message: good ? "good" : "bad", script: good ? UP : DOWN },
          },
        },
      });
    const first = await deployFleet(fleet(true), []);
    assert.equal(first.code, 0, first.stderr);
    const good = await profileTarget(tb, "h1", ROOT_PROFILE("system"));

    const argv = cliArgv(["-s", "--no-progress", "."]);
    const child = spawn(argv[0], argv.slice(1), {
      cwd: fleet(false),
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    const failing = new Promise<void>((resolve) => {
      child.stderr.setEncoding("utf8").on("data", (c: string) => {
        err += c;
        if (/health check http \(http\): failing/.test(err)) resolve();
      });
    });
    const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
    await failing;
    assert.match(await profileTarget(tb, "h1", ROOT_PROFILE("system")), /-profile-bad$/);
    child.kill("SIGKILL");
    await exited;
    // Nobody will confirm: the host's window closes and it goes back by itself.
    // Its record of this run is written once the outcome is final.
    const lastRecord = async () => {
      const r = await tb.exec("h1", ["cat", RECORDS]);
      return JSON.parse(r.stdout.trim().split("\n").at(-1)!);
    };
    let last = await lastRecord();
    for (let i = 0; i < 240 && !/-profile-bad$/.test(last.closure); i++) {
      await new Promise((r) => setTimeout(r, 500));
      last = await lastRecord();
    }
    assert.equal(last.outcome, "rolled-back", err);
    assert.equal(await profileTarget(tb, "h1", ROOT_PROFILE("system")), good);
    assert.match(last.message, /no confirmation within 25s/);
  } finally {
    await service.server.shutdown();
  }
});

Deno.test("health: deploy check reports a failing check with exit 1 and changes nothing", async () => {
  await using tb = await Testbed.up(1);
  const service = serviceOn(tb, "h1");
  try {
    const dir = fleetFlake(tb, {
      web: {
        hostname: "h1",
        settings: { ...FAST, healthChecks: { ...COMMAND_CHECK, http: { http: service.url } } },
        profiles: { system: { message: "good", script: UP } },
      },
    });
    assert.equal((await deployFleet(dir, [])).code, 0);
    const healthy = await deployFleet(dir, ["check"]);
    assert.equal(healthy.code, 0, healthy.stderr);
    assert.match(healthy.stdout, /web\.system: healthy/);

    await tb.exec("h1", ["rm", "-f", MARKER]);
    const before = await tb.exec("h1", ["ls", "/nix/var/nix/profiles"]);
    const target = await profileTarget(tb, "h1", ROOT_PROFILE("system"));
    const r = await deployFleet(dir, ["check", "--json"]);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.ok, false);
    const checks = report.profiles[0].checks as { name: string; ok: boolean; output: string }[];
    // In the flake's order (Nix sorts attribute names).
    assert.deepEqual(checks.map((c) => [c.name, c.ok]), [["http", false], ["up", false]]);
    assert.match(checks[0].output, /HTTP 503/);
    // Nothing changed: no new generation, no activation, the marker still gone.
    assert.equal((await tb.exec("h1", ["ls", "/nix/var/nix/profiles"])).stdout, before.stdout);
    assert.equal(await profileTarget(tb, "h1", ROOT_PROFILE("system")), target);
    assert.notEqual((await tb.exec("h1", ["test", "-e", MARKER])).code, 0);
  } finally {
    await service.server.shutdown();
  }
});
