/**
 * The deployer side of failing closed (issue 11): the confirmation really
 * is a new connection, hosts are reached only as configured, host keys are
 * never accepted silently, the sudo password reaches only sudo, and text
 * from hosts is shown, never obeyed.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "../../src/process/run.ts";
import { Testbed } from "../support/testbed.ts";
import {
  activations,
  deployFleet,
  fleetFlake,
  profileTarget,
  ROOT_PROFILE,
} from "../support/fleet.ts";
import { inTerminal } from "../support/terminal.ts";
import { deployCli } from "../support/cli.ts";

const KEYS = "/nix/var/testbed/authorized_keys/root";

Deno.test("faults: a user's ControlPath/ControlMaster in sshOpts does not make the confirmation ride an old connection", async () => {
  await using tb = await Testbed.up(1);
  const socket = join(tb.dir, "user-master");
  const sharing = [
    "-o",
    `ControlPath=${socket}`,
    "-o",
    "ControlMaster=auto",
    "-o",
    "ControlPersist=600",
  ];
  const fleet = (lockout: boolean) =>
    fleetFlake(tb, {
      b: {
        hostname: "h1",
        settings: {
          sshOpts: [...tb.sshOpts, ...sharing],
          // Short only where the window is meant to close (see deploy_test's lock-out).
          ...(lockout ? { confirmTimeout: 3 } : {}),
        },
        profiles: {
          system: {
            message: lockout ? "locked-out" : "good",
            script: lockout ? `rm -f ${KEYS}` : `cp /nix/var/testbed/deployer.pub ${KEYS}`,
          },
        },
      },
    });
  const master = (...args: string[]) => run(["ssh", ...tb.sshOpts, ...sharing, ...args, "root@h1"]);
  const first = await deployFleet(fleet(false), []);
  assert.equal(first.code, 0, first.stderr);
  const good = await profileTarget(tb, "h1", ROOT_PROFILE("system"));
  // The user's own master, open before the deployment, as with ControlMaster=auto in daily use.
  assert.equal((await master("-f", "-N")).code, 0);
  try {
    const r = await deployFleet(fleet(true), []);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /warning: sshOpts of b: -o ControlPath=.* ignored/);
    assert.match(r.stderr, /b\.system +rolled back +no confirmation within 3s/);
    assert.equal(await profileTarget(tb, "h1", ROOT_PROFILE("system")), good);
    assert.deepEqual(await activations(tb, "h1"), ["good", "locked-out", "good"]);
    // deploy-ts closed its own master, not the user's.
    assert.equal((await master("-O", "check")).code, 0, "the user's master was closed");
  } finally {
    await master("-O", "exit");
  }
});

Deno.test("faults: an unknown or changed host key fails that node, named, with how to add the key; nobody is asked", async () => {
  await using tb = await Testbed.up(2);
  // The user's own ssh_config, with OpenSSH's default StrictHostKeyChecking
  // (ask) and no BatchMode: plain ssh would ask at the terminal.
  const knownHosts = join(tb.dir, "user_known_hosts");
  const h1Key = readFileSync(join(tb.dir, "known_hosts"), "utf8").split("\n")
    .find((l) => l.startsWith("h1,"))!.split(" ").slice(1).join(" ");
  // h1's key is unknown; h2's recorded key is someone else's (h1's).
  writeFileSync(knownHosts, `h2 ${h1Key}\n`);
  const config = join(tb.dir, "user_ssh_config");
  writeFileSync(
    config,
    tb.hosts.flatMap((h, i) => [
      `Host ${h}`,
      `  HostName ${tb.net}.${11 + i}`,
      `  HostKeyAlias ${h}`,
      `  IdentityFile ${tb.dir}/id_ed25519`,
      "  IdentitiesOnly yes",
      `  UserKnownHostsFile ${knownHosts}`,
      "  GlobalKnownHostsFile /dev/null",
    ]).join("\n") + "\n",
  );
  const dir = fleetFlake(tb, {
    new: { hostname: "h1", profiles: { system: { message: "new" } } },
    moved: { hostname: "h2", profiles: { system: { message: "moved" } } },
  }, { sshOpts: ["-F", config] });
  const r = await inTerminal(dir, ["-s", "--no-progress", "--keep-going"], {}, {
    prompt: /continue connecting|password:/i,
    answer: "yes",
  });
  assert.equal(r.answered, 0, `the deployer let ssh ask:\n${r.out}`);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /new\.system +FAILED +the host key of h1 is not known/);
  assert.match(r.out, /the host key of h1 is not known[^\n]*ssh-keyscan/);
  assert.match(r.out, /moved\.system +FAILED +the host key of h2 has changed/);
  assert.match(r.out, /the host key of h2 has changed[^\n]*ssh-keygen -R h2/);
  assert.equal(await profileTarget(tb, "h1", ROOT_PROFILE("system")), "");
  assert.equal(await profileTarget(tb, "h2", ROOT_PROFILE("system")), "");
  // Nothing was added to the user's known_hosts behind their back.
  assert.equal(readFileSync(knownHosts, "utf8"), `h2 ${h1Key}\n`);
});

Deno.test("faults: the sudo password from the environment is not inherited by ssh (or any child)", async () => {
  await using tb = await Testbed.up(1);
  // ssh runs LocalCommand locally with its own environment: a window on what children inherit.
  const envDump = join(tb.dir, "child-env");
  const dir = fleetFlake(tb, {
    web: {
      hostname: "h1",
      settings: {
        sshUser: "alice",
        interactiveSudo: true,
        sshOpts: [
          ...tb.sshOpts,
          "-o",
          "PermitLocalCommand=yes",
          "-o",
          `LocalCommand=env >> ${envDump}`,
        ],
      },
      profiles: {
        viaSudo: { message: "via-sudo", settings: { user: "deploy" } },
        own: { message: "own", settings: { user: "alice" } },
      },
    },
  });
  const r = await deployFleet(dir, [], {
    env: {
      DEPLOY_TS_SUDO_PASSWORD_WEB: "testbed-alice",
      DEPLOY_TS_SUDO_PASSWORD: "testbed-alice",
      LOCAL_KEY: tb.signingKey,
    },
  });
  assert.equal(r.code, 0, r.stderr);
  const seen = readFileSync(envDump, "utf8");
  assert.match(seen, /^PATH=/m, "LocalCommand ran");
  assert.doesNotMatch(seen, /DEPLOY_TS_SUDO_PASSWORD|testbed-alice/);
});

Deno.test("faults: revoking a profile whose generation existed before the run keeps that generation", async () => {
  await using tb = await Testbed.up(1);
  const fleet = (system: string, zz: { message: string; exitCode?: number }) =>
    fleetFlake(tb, {
      a: {
        hostname: "h1",
        profilesOrder: ["system", "zz"],
        profiles: { system: { message: system }, zz },
      },
    });
  assert.equal((await deployFleet(fleet("v1", { message: "z1" }), [])).code, 0);
  const v2 = fleet("v2", { message: "z1" });
  assert.equal((await deployFleet(v2, [])).code, 0);
  const back = await deployCli(["rollback", "--no-progress", ".#a.system"], { cwd: v2 });
  assert.equal(back.code, 0, back.stderr);
  const gen2 = await profileTarget(tb, "h1", `${ROOT_PROFILE("system")}-2-link`);
  assert.match(gen2, /-profile-v2$/);
  // v2 again: Nix reuses generation 2 (it already holds v2); then zz fails and
  // system is revoked. Generation 2 was not this run's to delete.
  const r = await deployFleet(fleet("v2", { message: "z-bad", exitCode: 1 }), []);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /a\.system +revoked/);
  assert.match(await profileTarget(tb, "h1", ROOT_PROFILE("system")), /-profile-v1$/);
  assert.equal(await profileTarget(tb, "h1", `${ROOT_PROFILE("system")}-2-link`), gen2);
});
