/**
 * The ground holds: testbed hosts are separate machines as far as Nix and SSH
 * are concerned.
 */
import assert from "node:assert/strict";
import { Testbed } from "../support/testbed.ts";
import { profileDrv, writeTree } from "../support/flake.ts";
import { run, runChecked } from "../../src/process/run.ts";

Deno.test("testbed: a profile copied to h1 with nix copy is set there and absent from h2", async () => {
  await using tb = await Testbed.up(2);
  const flake = writeTree({
    "flake.nix": `{ outputs = { self }: { hello = ${
      profileDrv("hello", "hi from the testbed")
    }; }; }`,
  });
  const built = await runChecked(["nix", "build", "--no-link", "--json", `path:${flake}#hello`]);
  const path: string = JSON.parse(built.stdout)[0].outputs.out;

  const sshEnv = { NIX_SSHOPTS: tb.sshOpts.join(" ") };
  await runChecked(["nix", "copy", "--to", "ssh://root@h1", path], { env: sshEnv });
  assert.equal(await tb.hasPath("h1", path), true);

  const profile = "/nix/var/nix/profiles/hello";
  await runChecked(["ssh", ...tb.sshOpts, "root@h1", `nix-env -p ${profile} --set ${path}`]);
  const hello = await tb.ssh("deploy@h1", `${profile}/bin/hello`);
  assert.equal(hello.stdout.trim(), "hi from the testbed");

  // h2 has a store of its own: neither the host nor the deployer's view of it has the path.
  assert.equal(await tb.hasPath("h2", path), false);
  const viaSsh = await run(["nix", "path-info", "--store", "ssh://root@h2", path], { env: sshEnv });
  assert.notEqual(viaSsh.code, 0);
  const onH2 = await tb.ssh("root@h2", `test -e ${profile}`);
  assert.equal(onH2.code, 1);
});

Deno.test("testbed: users, sudo and host identity", async () => {
  await using tb = await Testbed.up(2);
  const who = await tb.ssh("deploy@h2", "echo $TESTBED_HOST; sudo -n id -un");
  assert.deepEqual(who.stdout.trim().split("\n"), ["h2", "root"]);
  // alice's sudo wants a password: non-interactive sudo must refuse.
  const alice = await tb.ssh("alice@h1", "sudo -n true");
  assert.notEqual(alice.code, 0);
  const withPassword = await tb.ssh("alice@h1", "echo testbed-alice | sudo -S -p '' id -un");
  assert.equal(withPassword.stdout.trim(), "root");
  // Removing a key on one host locks the deployer out of that host alone.
  await tb.exec("h2", ["rm", "/nix/var/testbed/authorized_keys/root"]);
  assert.notEqual((await tb.ssh("root@h2", "true")).code, 0);
  assert.equal((await tb.ssh("root@h1", "true")).code, 0);
});

Deno.test("testbed: root on a host has a home of its own, with Debian's default dot-files", async () => {
  await using tb = await Testbed.up(2);
  const debianBashrc = await Deno.readTextFile("/usr/share/base-files/dot.bashrc");
  const r = await tb.ssh("root@h1", "echo $HOME; cat ~/.bashrc; touch ~/only-on-h1");
  assert.equal(r.code, 0, r.stderr);
  const [home, ...bashrc] = r.stdout.split("\n");
  assert.equal(home, "/root");
  // Not this machine's .bashrc (whatever it runs): the one a new Debian host has.
  assert.equal(bashrc.join("\n"), debianBashrc);
  assert.equal((await tb.ssh("root@h2", "test -e ~/only-on-h1")).code, 1);
  await assert.rejects(Deno.stat("/root/only-on-h1"));
});

Deno.test("testbed: down leaves no process, mount or file behind", async () => {
  const tb = await Testbed.up(2);
  const marker = ` ${tb.dir}/hosts/`;
  const ours = async () => {
    const r = await run(["sh", "-c", "cat /proc/[0-9]*/mountinfo 2>/dev/null"]);
    return r.stdout.split("\n").filter((l) => l.includes(marker)).length;
  };
  assert.ok(await ours() > 0, "hosts should be running");
  await tb.down();
  assert.equal(await ours(), 0);
  await assert.rejects(Deno.stat(tb.dir));
});
