/**
 * `deploy` end to end on testbed hosts over real SSH: build, copy, activate,
 * confirm; sudo; parallel nodes; failure policies; magic rollback when the
 * deployer locks itself out.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "../../src/process/run.ts";
import { Testbed } from "../support/testbed.ts";
import { inTerminal } from "../support/terminal.ts";
import { bundlePath, cliArgv, deployCli } from "../support/cli.ts";
import {
  activations,
  deployFleet,
  fleetFlake,
  hostsFleet,
  profileTarget,
  ROOT_PROFILE,
} from "../support/fleet.ts";

/**
 * The tests that matter most run over both transports: the system's OpenSSH
 * (the default) and the built-in one (test/e2e/ssh2_test.ts has its own).
 */
const TRANSPORTS = ["openssh", "ssh2"] as const;
const suffix = (t: (typeof TRANSPORTS)[number]) => (t === "openssh" ? "" : ` (${t})`);

const XDG = (user: string, name: string) => `/home/${user}/.local/state/nix/profiles/${name}`;
/** The profile path the helper chose for a node.profile, from its own log line. */
const chosenPath = (output: string, nodeProfile: string) => {
  const m = new RegExp(
    `\\[${nodeProfile.replace(".", "\\.")}\\] \\[deploy-ts\\] setting (\\S+) to `,
  ).exec(output);
  assert.ok(m, `no 'setting' line for ${nodeProfile}`);
  return m[1];
};

Deno.test("deploy: a root profile and a non-root profile through sudo, in order, confirmed", async () => {
  await using tb = await Testbed.up(1);
  const dir = fleetFlake(tb, {
    web: {
      hostname: "h1",
      settings: { sshUser: "deploy" },
      profilesOrder: ["system", "app"],
      profiles: {
        app: { message: "app", settings: { user: "alice" } },
        system: { message: "system", settings: { user: "root" } },
        "b-tools": { message: "tools", settings: { user: "deploy" } },
      },
    },
  });
  const r = await deployFleet(dir, []);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /web\.system +confirmed/);
  assert.match(r.stderr, /3 profiles deployed/);
  // profilesOrder first, the rest sorted; each profile as its own user.
  const order = [...r.stderr.matchAll(/\[web\.([a-z-]+)\] activating$/gm)].map((m) => m[1]);
  assert.deepEqual(order, ["system", "app", "b-tools"]);
  assert.match(await profileTarget(tb, "h1", "/nix/var/nix/profiles/system"), /-profile-system$/);
  assert.equal(chosenPath(r.stderr, "web.app"), XDG("alice", "app"));
  assert.match(await profileTarget(tb, "h1", XDG("alice", "app")), /-profile-app$/);
  assert.match(
    await profileTarget(tb, "h1", chosenPath(r.stderr, "web.b-tools")),
    /-profile-tools$/,
  );
  assert.deepEqual(await activations(tb, "h1", "alice"), ["app"]);
  // One login for the host: one ControlMaster, plus one fresh connection per confirmation.
  const again = await deployFleet(dir, ["-d", ".#web.app"]);
  assert.equal(again.code, 0, again.stderr);
  const sshCalls = again.stderr.split("\n").filter((l) => /^\[debug\] \+ ssh /.test(l));
  assert.equal(sshCalls.filter((l) => l.includes("ControlMaster=yes")).length, 1);
  assert.equal(sshCalls.filter((l) => l.includes("ControlPath=none")).length, 1);
});

Deno.test("deploy: five nodes in parallel", async () => {
  await using tb = await Testbed.up(5);
  // A barrier outside the hosts' private directories: each activation waits
  // (boundedly) until all five have started, which only a parallel run allows.
  const barrier = join(tb.dir, "barrier");
  const meet = (h: string) =>
    `mkdir -p ${barrier}; touch ${barrier}/${h}; i=0; ` +
    `while [ "$(ls ${barrier} | wc -l)" -lt 5 ] && [ $i -lt 1800 ]; do sleep 0.1; i=$((i+1)); done; ` +
    `echo "met $(ls ${barrier} | wc -l)" >> /tmp/barrier`;
  const nodes = Object.fromEntries(
    tb.hosts.map((h) => [h, {
      hostname: h,
      profiles: { system: { message: `sys-${h}`, script: meet(h) } },
    }]),
  );
  const r = await deployFleet(fleetFlake(tb, nodes), ["--jobs", "5"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /5 profiles deployed/);
  for (const h of tb.hosts) {
    const met = await tb.exec(h, ["cat", "/tmp/barrier"]);
    assert.equal(met.stdout.trim(), "met 5", `${h}'s activation did not run alongside the others`);
  }
});

Deno.test("deploy: remoteBuild builds on the host; fastConnection copies without substitution", async () => {
  await using tb = await Testbed.up(2);
  const dir = fleetFlake(tb, {
    builder: {
      hostname: "h1",
      profiles: { system: { message: "remote-built", settings: { remoteBuild: true } } },
    },
    fast: {
      hostname: "h2",
      profiles: { system: { message: "fast", settings: { fastConnection: true } } },
    },
  });
  const r = await deployFleet(dir, ["-d"]);
  assert.equal(r.code, 0, r.stderr);
  const built = await profileTarget(tb, "h1", "/nix/var/nix/profiles/system");
  assert.match(built, /-profile-remote-built$/);
  const local = await run(["nix-store", "--check-validity", built]);
  assert.notEqual(local.code, 0, "a remote build must not build locally");
  const copies = r.stderr.split("\n").filter((l) => /^\[debug\] \+ nix .* copy /.test(l));
  const toFast = copies.filter((l) => l.includes("ssh://root@h2"));
  assert.equal(toFast.length, 1);
  assert.ok(!toFast[0].includes("--substitute-on-destination"), toFast[0]);
  assert.ok(copies.some((l) => l.includes("ssh://root@h1") && l.includes("--derivation")));
});

Deno.test("deploy: one node failing revokes the others; --keep-going lets them stay", async () => {
  await using tb = await Testbed.up(3);
  const fleet = (bad: boolean) =>
    hostsFleet(tb, bad ? "v2" : "v1", (h) => ({
      exitCode: bad && h === "h2" ? 1 : 0,
      sleep: bad && h === "h2" ? 1 : 0,
    }));
  assert.equal((await deployFleet(fleet(false), [])).code, 0);
  const v1 = await Promise.all(tb.hosts.map((h) => profileTarget(tb, h, ROOT_PROFILE("system"))));

  const r = await deployFleet(fleet(true), []);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /h2\.system +rolled back/);
  assert.doesNotMatch(r.stderr, /h[13]\.system +confirmed/);
  assert.match(r.stderr, /0 of 3 profiles deployed/);
  const after = await Promise.all(
    tb.hosts.map((h) => profileTarget(tb, h, ROOT_PROFILE("system"))),
  );
  assert.deepEqual(after, v1, "every host is back on v1");

  const k = await deployFleet(fleet(true), ["--keep-going"]);
  assert.equal(k.code, 3, "h1 and h3 keep the new generation");
  assert.match(k.stderr, /h1\.system +confirmed/);
  assert.match(k.stderr, /h3\.system +confirmed/);
  assert.match(k.stderr, /h2\.system +rolled back/);
  assert.match(await profileTarget(tb, "h1", ROOT_PROFILE("system")), /-h1-v2$/);
  assert.equal(await profileTarget(tb, "h2", ROOT_PROFILE("system")), v1[1]);
});

Deno.test("deploy: an unreachable host fails its node within seconds, naming it and what SSH said", async () => {
  await using tb = await Testbed.up(1);
  const dir = fleetFlake(tb, {
    up: { hostname: "h1", profiles: { system: { message: "up" } } },
    down: {
      hostname: "h1",
      settings: { sshOpts: ["-p", "1"] },
      profiles: { system: { message: "down" } },
    },
  });
  const r = await deployFleet(dir, ["--keep-going"]);
  assert.equal(r.code, 3, "up is deployed: a host changed");
  assert.match(
    r.stderr,
    /\[down\.system\] failed: cannot connect to root@h1: .*(Connection refused|port 1)/,
  );
  assert.match(r.stderr, /up\.system +confirmed/);
});

for (const transport of TRANSPORTS) {
  Deno.test(`deploy${suffix(transport)}: an activation that locks the deployer out is rolled back by the host`, async () => {
    await using tb = await Testbed.up(2);
    const keys = "/nix/var/testbed/authorized_keys/root";
    const fleet = (lockout: boolean) =>
      fleetFlake(tb, {
        a: { hostname: "h1", profiles: { system: { message: "a" } } },
        b: {
          hostname: "h2",
          // Short only where the window is meant to close: a good deployment on a
          // loaded machine must never depend on how quickly it confirms.
          settings: lockout ? { confirmTimeout: 3 } : {},
          profiles: {
            system: {
              message: lockout ? "locked-out" : "good",
              // Like a system config: each generation decides who may log in.
              script: lockout ? `rm -f ${keys}` : `cp /nix/var/testbed/deployer.pub ${keys}`,
            },
          },
        },
      }, { transport });
    assert.equal((await deployFleet(fleet(false), [])).code, 0);
    const good = await profileTarget(tb, "h2", ROOT_PROFILE("system"));
    const r = await deployFleet(fleet(true), ["--keep-going"]);
    assert.equal(r.code, 3, "a keeps its new generation");
    assert.match(
      r.stderr,
      /b\.system +rolled back +no confirmation within 3s; generation 1 is active again/,
    );
    assert.match(r.stderr, /confirming over a new connection failed/);
    assert.equal(await profileTarget(tb, "h2", ROOT_PROFILE("system")), good);
    // The good generation's activation ran again and let the deployer back in.
    assert.equal((await tb.ssh("root@h2", "true")).code, 0);
    assert.deepEqual(await activations(tb, "h2"), ["good", "locked-out", "good"]);
  });
}

Deno.test("deploy: an ssh_config alias and an sshOpts option containing spaces", async () => {
  await using tb = await Testbed.up(2);
  // Reach h1 through h2: ProxyCommand is one option with spaces in it.
  const config = join(tb.dir, "user_ssh_config");
  writeFileSync(
    config,
    [
      "Host web-alias",
      `  HostName ${tb.net}.11`,
      "  HostKeyAlias h1",
      `  IdentityFile ${tb.dir}/id_ed25519`,
      `  UserKnownHostsFile ${tb.dir}/known_hosts`,
      "  StrictHostKeyChecking yes",
      "  BatchMode yes",
      `Include ${tb.sshConfig}`,
      "",
    ].join("\n"),
  );
  const dir = fleetFlake(tb, {
    web: {
      hostname: "web-alias",
      settings: {
        sshOpts: ["-F", config, "-o", `ProxyCommand=ssh -F ${tb.sshConfig} -W %h:%p root@h2`],
      },
      profiles: { system: { message: "via-alias" } },
    },
  }, { sshOpts: [] });
  const r = await deployFleet(dir, []);
  assert.equal(r.code, 0, r.stderr);
  assert.match(await profileTarget(tb, "h1", ROOT_PROFILE("system")), /-via-alias$/);
});

Deno.test("deploy: the same flake twice: nothing breaks", async () => {
  await using tb = await Testbed.up(1);
  const dir = fleetFlake(tb, {
    web: { hostname: "h1", profiles: { system: { message: "same" } } },
  });
  const first = await deployFleet(dir, []);
  assert.equal(first.code, 0, first.stderr);
  const second = await deployFleet(dir, []);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /web\.system +confirmed/);
  assert.deepEqual(await activations(tb, "h1"), ["same", "same"]);
});

for (const transport of TRANSPORTS) {
  Deno.test(`deploy${suffix(transport)}: interactive sudo as alice, one hidden prompt per host, driven through a terminal`, async () => {
    await using tb = await Testbed.up(1);
    const dir = fleetFlake(tb, {
      web: {
        hostname: "h1",
        settings: { sshUser: "alice", interactiveSudo: true },
        profiles: {
          one: { message: "one", settings: { user: "deploy" } },
          two: { message: "two", settings: { user: "deploy" } },
        },
      },
    }, { transport });
    // alice is not trusted by Nix on the host: the paths are signed with a key the host trusts.
    const { code, out, answered } = await inTerminal(
      dir,
      ["-s", "--no-progress", "."],
      { LOCAL_KEY: tb.signingKey, NO_COLOR: "1" },
      { prompt: /Password: /, answer: "testbed-alice" },
    );
    assert.equal(code, 0, out);
    assert.equal(answered, 1, "one prompt for the host");
    assert.doesNotMatch(out, /testbed-alice/, "the password is never echoed or logged");
    assert.match(await profileTarget(tb, "h1", chosenPath(out, "web.one")), /-one$/);
    assert.match(await profileTarget(tb, "h1", chosenPath(out, "web.two")), /-two$/);
    // The same through the environment, for CI.
    const ci = await deployFleet(dir, [], {
      env: { DEPLOY_TS_SUDO_PASSWORD_WEB: "testbed-alice", LOCAL_KEY: tb.signingKey },
    });
    assert.equal(ci.code, 0, ci.stderr);
    const wrong = await deployFleet(dir, [".#web.one"], {
      env: { DEPLOY_TS_SUDO_PASSWORD: "wrong", LOCAL_KEY: tb.signingKey },
    });
    assert.equal(wrong.code, 1);
  });
}

Deno.test("deploy: a node whose build fails is not touched; --keep-result keeps GC roots", async () => {
  await using tb = await Testbed.up(2);
  const dir = fleetFlake(tb, {
    good: { hostname: "h1", profiles: { system: { message: "good" } } },
    bad: { hostname: "h2", profiles: { system: { message: "bad", buildFails: true } } },
  });
  const gc = join(dir, "gc");
  const r = await deployFleet(dir, ["--keep-going", "-k", "-r", gc]);
  assert.equal(r.code, 3, "good is deployed: a host changed");
  assert.match(r.stderr, /bad\.system +FAILED +building \/nix\/store\/\S+-broken-profile failed:/);
  assert.match(r.stderr, /this-build-fails/, "Nix's build error is shown");
  assert.match(r.stderr, /good\.system +confirmed/);
  // Nothing was copied to or activated on h2.
  assert.equal(await profileTarget(tb, "h2", ROOT_PROFILE("system")), "");
  assert.equal(
    (await tb.exec("h2", ["sh", "-c", "ls /nix/store | grep -c deploy-ts || true"])).stdout.trim(),
    "0",
  );
  const root = await run(["readlink", join(gc, "good", "system")]);
  assert.match(root.stdout.trim(), /-profile-good$/);
});

Deno.test("deploy: an interrupted run closes its SSH masters, says who rolls back by itself and by when; status sees the run pending, then the rolled-back attempt", async () => {
  await using tb = await Testbed.up(1);
  const fleet = (v: string, sleep: number) =>
    fleetFlake(tb, {
      web: {
        hostname: "h1",
        settings: { confirmTimeout: 5 },
        profiles: { system: { message: `slow-${v}`, sleep } },
      },
    });
  const v1 = fleet("v1", 0);
  assert.equal((await deployFleet(v1, [])).code, 0);
  // Long enough that the interruption always lands during the activation.
  const dir = fleet("v2", 20);
  const child = spawn(
    cliArgv(["-s", "--no-progress", "."])[0],
    cliArgv(["-s", "--no-progress", "."]).slice(1),
    {
      cwd: dir,
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let err = "";
  const activating = new Promise<void>((resolve) => {
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      err += c;
      if (err.includes("activating slow-v2")) resolve();
    });
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on("close", (code) => resolve(code))
  );
  await activating;
  const masters = () => run(["pgrep", "-f", `${tb.dir}.*ControlMaster=yes`]);
  assert.equal((await masters()).code, 0, "a master is open while deploying");
  // As Ctrl-C would; ChildProcess.kill would make Deno report the signal instead of the exit code.
  process.kill(child.pid!, "SIGINT");
  assert.equal(await exited, 130, err);
  assert.match(err, /SIGINT: closing SSH connections/);
  assert.match(
    err,
    /web\.system +FAILED +interrupted: the host rolls back by itself by \d\d:\d\d:\d\d at the latest unless confirmed/,
  );
  assert.notEqual((await masters()).code, 0, "no master is left behind");

  // The host goes on by itself: status sees the run pending, not "up to date".
  const status = async () => {
    const r = await deployCli(["status", "-s", "--json", "."], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout).profiles[0];
  };
  const during = await status();
  assert.equal(during.state, "pending", JSON.stringify(during));
  assert.notEqual(during.pending, null);
  // Nobody confirms: the window closes and the host rolls back (bounded by the run's own limits).
  let after = during;
  for (let i = 0; i < 90 && after.state === "pending"; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    after = await status();
  }
  assert.equal(after.lastAttempt?.outcome, "rolled-back", JSON.stringify(after));
  assert.match(await profileTarget(tb, "h1", ROOT_PROFILE("system")), /-slow-v1$/);
  const table = await deployCli(["status", "-s", "."], { cwd: dir });
  assert.match(table.stdout, /web\.system: last attempt .*: rolled-back: /);
});

Deno.test("deploy: the bundle deploys under Node too (with the Deno from node_modules on the host)", async () => {
  await using tb = await Testbed.up(1);
  const dir = fleetFlake(tb, {
    web: { hostname: "h1", profiles: { system: { message: "from-node" } } },
  });
  const r = await run(["node", await bundlePath(), "-s", "--no-progress", "."], {
    cwd: dir,
    env: { NO_COLOR: "1" },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(await profileTarget(tb, "h1", ROOT_PROFILE("system")), /-from-node$/);
});
