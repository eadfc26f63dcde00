/**
 * Two Nix generations live: a deployer on Nix 2.8 (this machine's) or 2.26
 * (scripts/with-nix) × hosts on 2.8 or 2.26 (TESTBED_NIX), each cell with
 * the deployments that break when Nix changes under them: profiles of root
 * and of another user through sudo, a failing activation and a lock-out
 * rolled back, a remote build, status/diff/rollback, the built-in SSH
 * transport and the non-flake mode.
 */
import assert from "node:assert/strict";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "../../src/process/run.ts";
import { deployCli, withNix } from "../support/cli.ts";
import {
  activations,
  deployFleet,
  fleetFlake,
  profileTarget,
  ROOT_PROFILE,
} from "../support/fleet.ts";
import { type NixVersion, REPO_ROOT, Testbed } from "../support/testbed.ts";

const VERSIONS: NixVersion[] = ["2.8", "2.26"];
const KEYS = "/nix/var/testbed/authorized_keys/root";

for (const deployer of VERSIONS) {
  for (const hosts of VERSIONS) {
    Deno.test(`nix matrix: deployer on Nix ${deployer}, hosts on Nix ${hosts}`, async () => {
      await using tb = await Testbed.up(2, hosts);
      const nix = deployer;
      const says = (v: NixVersion) => new RegExp(`\\(Nix\\) ${v.replace(".", "\\.")}\\.`);
      assert.match((await tb.exec("h1", ["nix", "--version"])).stdout, says(hosts));
      assert.match((await run(withNix(nix, ["nix", "--version"]))).stdout, says(deployer));

      /** a: sshUser deploy, a root and a deploy profile; b: root, lets the deployer in or not. */
      const fleet = (v: string, o: { aFails?: boolean; lockout?: boolean; tool?: boolean } = {}) =>
        fleetFlake(tb, {
          a: {
            hostname: "h1",
            settings: { sshUser: "deploy" },
            profilesOrder: ["system", "app"],
            profiles: {
              system: {
                message: `a-system-${v}`,
                exitCode: o.aFails ? 1 : 0,
                settings: { user: "root" },
              },
              app: { message: `a-app-${v}`, settings: { user: "deploy" } },
            },
          },
          b: {
            hostname: "h2",
            settings: o.lockout ? { confirmTimeout: 3 } : {},
            profiles: {
              system: {
                message: `b-${v}`,
                script: o.lockout ? `rm -f ${KEYS}` : `cp /nix/var/testbed/deployer.pub ${KEYS}`,
              },
              ...(o.tool ? { tool: { message: `b-tool-${v}` } } : {}),
            },
          },
        });
      const deploy = (dir: string, args: string[], env?: Record<string, string>) =>
        deployFleet(dir, args, { nix, env });
      const target = (h: string) => profileTarget(tb, h, ROOT_PROFILE("system"));

      // Both nodes, three profiles, one of them another user's through sudo.
      const v1 = fleet("v1");
      const first = await deploy(v1, ["."]);
      assert.equal(first.code, 0, first.stderr);
      assert.match(await target("h1"), /-a-system-v1$/);
      assert.match(await target("h2"), /-b-v1$/);
      assert.deepEqual(await activations(tb, "h1", "deploy"), ["a-app-v1"]);

      // A failing activation is rolled back.
      const failing = await deploy(fleet("v2", { aFails: true }), [".#a.system"]);
      assert.equal(failing.code, 1, failing.stderr);
      assert.match(failing.stderr, /a\.system +rolled back/);
      assert.match(await target("h1"), /-a-system-v1$/);

      // A lock-out is rolled back by the host itself.
      const locked = await deploy(fleet("v2", { lockout: true }), [".#b"]);
      assert.equal(locked.code, 1, locked.stderr);
      assert.match(locked.stderr, /b\.system +rolled back +no confirmation within 3s/);
      assert.match(await target("h2"), /-b-v1$/);

      // Built on the host.
      const v3 = fleet("v3");
      const remote = await deploy(v3, ["--remote-build", ".#a.system"]);
      assert.equal(remote.code, 0, remote.stderr);
      assert.match(await target("h1"), /-a-system-v3$/);

      // status, diff and rollback read the host's generations.
      const status = await deployCli(["status", "-s", "--json", ".#a.system"], { cwd: v3, nix });
      assert.equal(status.code, 0, status.stderr);
      const [a] = JSON.parse(status.stdout).profiles;
      assert.equal(a.matchesFlake, true, status.stdout);
      assert.equal(a.outcome, "confirmed", status.stdout);
      const diff = await deployCli(["diff", "-s", ".#a.system"], { cwd: fleet("v4"), nix });
      assert.equal(diff.code, 0, diff.stderr);
      assert.match(diff.stdout, /\+ profile-a-system-v4/);
      const back = await deployCli(["rollback", "-s", "--no-progress", ".#a.system"], {
        cwd: v3,
        nix,
      });
      assert.equal(back.code, 0, back.stderr);
      assert.match(await target("h1"), /-a-system-v1$/);

      // A profile that `nix profile` made (its manifest format is the host Nix's own).
      const tool = "/nix/var/nix/profiles/per-user/root/tool";
      const made = await tb.exec("h2", [
        "nix",
        "profile",
        "install",
        "--profile",
        tool,
        await target("h2"),
      ]);
      assert.equal(made.code, 0, made.stderr);
      const byNix = await profileTarget(tb, "h2", tool);
      const overTool = await deploy(fleet("v4", { tool: true }), [".#b.tool"]);
      assert.equal(overTool.code, 0, overTool.stderr);
      assert.match(await profileTarget(tb, "h2", tool), /-b-tool-v4$/);
      const toolBack = await deployCli(["rollback", "-s", "--no-progress", ".#b.tool"], {
        cwd: fleet("v4", { tool: true }),
        nix,
      });
      assert.equal(toolBack.code, 0, toolBack.stderr);
      assert.equal(await profileTarget(tb, "h2", tool), byNix, "back on nix profile's generation");

      // The built-in SSH transport.
      const ssh2 = await deploy(fleet("v5"), ["--transport", "ssh2", ".#b"]);
      assert.equal(ssh2.code, 0, ssh2.stderr);
      assert.match(await target("h2"), /-b-v5$/);

      // Flakes switched off: default.nix through flake-compat.
      const v6 = fleet("v6");
      copyFileSync(join(REPO_ROOT, "nix", "flake-compat.nix"), join(v6, "flake-compat.nix"));
      writeFileSync(
        join(v6, "default.nix"),
        "(import ./flake-compat.nix { src = ./.; }).defaultNix\n",
      );
      const noFlakes = await deploy(v6, [".#b"], {
        NIX_CONFIG: "experimental-features = nix-command",
      });
      assert.equal(noFlakes.code, 0, noFlakes.stderr);
      assert.match(noFlakes.stderr, /flakes are not enabled/);
      assert.match(await target("h2"), /-b-v6$/);
    });
  }
}
