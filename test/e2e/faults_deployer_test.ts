/**
 * The deployer side of failing closed (issue 11): the confirmation really
 * is a new connection, hosts are reached only as configured, host keys are
 * never accepted silently, the sudo password reaches only sudo, and text
 * from hosts is shown, never obeyed.
 */
import assert from "node:assert/strict";
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
        settings: { confirmTimeout: 3, sshOpts: [...tb.sshOpts, ...sharing] },
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
