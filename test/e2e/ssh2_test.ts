/**
 * The built-in SSH transport (`--transport ssh2`) end to end on testbed
 * hosts: sudo, magic rollback when the deployer locks itself out, a fleet
 * deployed from a machine with no `ssh` at all (one host behind ProxyJump),
 * host keys refused by name (also under `Match user` of the login user and
 * for a key of a type never recorded), an encrypted key's passphrase asked
 * once. host_keys_test.ts compares the host-key decision with OpenSSH's.
 * (deploy_test.ts runs its lock-out and interactive-sudo tests over both transports.)
 */
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "../../src/process/run.ts";
import { Testbed } from "../support/testbed.ts";
import { inTerminal } from "../support/terminal.ts";
import {
  activations,
  deployFleet,
  fleetFlake,
  profileTarget,
  ROOT_PROFILE,
} from "../support/fleet.ts";

/** No line of the run started an `ssh` process. */
function assertNoSsh(stderr: string) {
  assert.deepEqual(stderr.split("\n").filter((l) => /^\[debug\] \+ ssh /.test(l)), []);
}

Deno.test("ssh2: a root profile through sudo, confirmed, copied through the daemon socket, no ssh started", async () => {
  // The lock-out rollback over ssh2 is deploy_test.ts's, run over both transports.
  await using tb = await Testbed.up(1);
  const dir = fleetFlake(tb, {
    a: {
      hostname: "h1",
      settings: { sshUser: "deploy" },
      profiles: { system: { message: "a1", settings: { user: "root" } } },
    },
  });
  const r = await deployFleet(dir, ["-d", "--transport", "ssh2"]);
  assert.equal(r.code, 0, r.stderr);
  assertNoSsh(r.stderr);
  assert.match(r.stderr, /--to unix:\/\/\S+\/nix-daemon /, "nix copy goes through the socket");
  assert.match(r.stderr, /a\.system +confirmed/);
  assert.match(await profileTarget(tb, "h1", ROOT_PROFILE("system")), /-profile-a1$/);
  assert.deepEqual(await activations(tb, "h1"), ["a1"], "activated as root through sudo");
});

/** A directory of every program in /usr/bin but ssh: a machine without an OpenSSH client. */
function pathWithoutSsh(dir: string): string {
  const bin = join(dir, "bin-without-ssh");
  mkdirSync(bin);
  for (const name of readdirSync("/usr/bin")) {
    if (name !== "ssh") symlinkSync(join("/usr/bin", name), join(bin, name));
  }
  return `${bin}:/usr/sbin:/sbin`;
}

Deno.test("ssh2: with no ssh on PATH, three hosts deploy, one through ProxyJump; a host whose key is not known is refused by name", async () => {
  await using tb = await Testbed.up(3);
  const kh = join(tb.dir, "user_known_hosts");
  const testbedKeys = readFileSync(join(tb.dir, "known_hosts"), "utf8");
  writeFileSync(kh, testbedKeys);
  const config = join(tb.dir, "user_ssh_config");
  writeFileSync(
    config,
    [
      // h3 only through h2, under its own known_hosts name.
      "Host inner",
      `  HostName ${tb.net}.13`,
      "  HostKeyAlias h3",
      "  ProxyJump root@h2",
      // First value wins: these beat the testbed's own entries below.
      "Host inner h1 h2 h3",
      `  UserKnownHostsFile ${kh}`,
      `  IdentityFile ${tb.dir}/id_ed25519`,
      "  IdentitiesOnly yes",
      "  GlobalKnownHostsFile /dev/null",
      "  StrictHostKeyChecking yes",
      `Include ${tb.sshConfig}`,
      "",
    ].join("\n"),
  );
  const dir = fleetFlake(tb, {
    one: { hostname: "h1", profiles: { system: { message: "one" } } },
    two: { hostname: "h2", profiles: { system: { message: "two" } } },
    three: { hostname: "inner", profiles: { system: { message: "three" } } },
  }, { sshOpts: ["-F", config] });
  const env = { PATH: pathWithoutSsh(tb.dir), SSH_AUTH_SOCK: "" };
  assert.notEqual((await run(["sh", "-c", "command -v ssh"], { env })).code, 0);

  const r = await deployFleet(dir, ["-d"], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /no `ssh` on PATH: using the built-in SSH transport/);
  assert.equal(r.stderr.match(/no `ssh` on PATH/g)?.length, 1, "the note is given once");
  assertNoSsh(r.stderr);
  assert.match(r.stderr, /3 profiles deployed/);
  for (const [h, m] of [["h1", "one"], ["h2", "two"], ["h3", "three"]]) {
    assert.match(await profileTarget(tb, h, ROOT_PROFILE("system")), new RegExp(`-${m}$`));
  }

  // h2's key leaves known_hosts: h2 is refused by name and fingerprint, and
  // so is h3, which is reached through h2; h1 is not concerned.
  writeFileSync(kh, testbedKeys.split("\n").filter((l) => !l.startsWith("h2,")).join("\n"));
  const fp = (await run(["ssh-keygen", "-lf", join(tb.dir, "hosts/h2/ssh_host_ed25519_key.pub")]))
    .stdout.split(" ")[1];
  assert.match(fp, /^SHA256:/);
  const refused = await deployFleet(dir, ["--keep-going"], { env });
  assert.equal(refused.code, 3, "h1 is deployed: a host changed");
  const notKnown = (node: string) =>
    new RegExp(
      `\\[${node}\\.system\\] failed: .*the host key of h2 is not known .*${
        fp.replace(/[+/]/g, "\\$&")
      }`,
    );
  assert.match(refused.stderr, notKnown("two"));
  assert.match(refused.stderr, notKnown("three"));
  assert.match(refused.stderr, /\[three\.system\] failed: .*through the jump host h2/);
  assert.match(refused.stderr, /one\.system +confirmed/);
  assert.match(await profileTarget(tb, "h2", ROOT_PROFILE("system")), /-two$/, "h2 untouched");
});

Deno.test("ssh2: an encrypted identity file's passphrase is asked once per run, hidden, through a terminal", async () => {
  await using tb = await Testbed.up(2);
  const key = join(tb.dir, "id_encrypted");
  const gen = await run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "key-secret", "-f", key]);
  assert.equal(gen.code, 0, gen.stderr);
  const pub = readFileSync(`${key}.pub`, "utf8");
  for (const h of tb.hosts) {
    // The encrypted key is the only one these hosts let root in with.
    const r = await tb.exec(h, ["sh", "-c", "cat > /nix/var/testbed/authorized_keys/root"], pub);
    assert.equal(r.code, 0, r.stderr);
  }
  const config = join(tb.dir, "encrypted_ssh_config");
  writeFileSync(
    config,
    [
      "Host h1 h2",
      `  IdentityFile ${key}`,
      "  BatchMode no",
      `Include ${tb.sshConfig}`,
      "",
    ].join("\n"),
  );
  const dir = fleetFlake(tb, {
    a: { hostname: "h1", profiles: { system: { message: "a" } } },
    b: { hostname: "h2", profiles: { system: { message: "b" } } },
  }, { sshOpts: ["-F", config], transport: "ssh2" });
  // Two hosts, two logins each (the confirmation is a new one): one prompt.
  const { code, out, answered } = await inTerminal(
    dir,
    ["-s", "--no-progress", "."],
    { NO_COLOR: "1", SSH_AUTH_SOCK: "" },
    { prompt: /Enter passphrase for key '[^']*id_encrypted': /, answer: "key-secret" },
  );
  assert.equal(code, 0, out);
  assert.equal(answered, 1, out);
  assert.doesNotMatch(out, /key-secret/, "the passphrase is never echoed");
  assert.match(await profileTarget(tb, "h1", ROOT_PROFILE("system")), /-a$/);
  assert.match(await profileTarget(tb, "h2", ROOT_PROFILE("system")), /-b$/);
});

Deno.test("ssh2: a host key refused under `Match user` of the login user, or of a type never recorded, stops the node before any copy and leaves known_hosts as it was", async () => {
  await using tb = await Testbed.up(2);
  const keyOf = async (name: string, type: string) => {
    const file = join(tb.dir, name);
    const r = await run(["ssh-keygen", "-q", "-t", type, "-N", "", "-f", file]);
    assert.equal(r.code, 0, r.stderr);
    return readFileSync(`${file}.pub`, "utf8").split(" ").slice(0, 2).join(" ");
  };
  // h1: the fleet's pinned file (for logins as deploy) holds a key h1 does
  // not have; the open file beside it would take any key.
  const pinned = join(tb.dir, "fleet_known_hosts");
  const open = join(tb.dir, "open_known_hosts");
  writeFileSync(pinned, `h1 ${await keyOf("not-h1", "ed25519")}\n`);
  writeFileSync(open, "");
  // h2: only an RSA key is recorded; h2 offers ed25519.
  const rsaOnly = join(tb.dir, "rsa_known_hosts");
  writeFileSync(rsaOnly, `h2 ${await keyOf("rsa-h2", "rsa")}\n`);
  const config = join(tb.dir, "match_ssh_config");
  writeFileSync(
    config,
    [
      "Match host h1 user deploy",
      "  StrictHostKeyChecking yes",
      `  UserKnownHostsFile ${pinned}`,
      "Host h1",
      `  UserKnownHostsFile ${open}`,
      "Host h2",
      `  UserKnownHostsFile ${rsaOnly}`,
      "Host *",
      "  StrictHostKeyChecking accept-new",
      `  IdentityFile ${tb.dir}/id_ed25519`,
      "  IdentitiesOnly yes",
      "  GlobalKnownHostsFile /dev/null",
      "  BatchMode yes",
      ...tb.hosts.map((h, i) =>
        `Match host ${h}\n  HostName ${tb.net}.${11 + i}\n  HostKeyAlias ${h}`
      ),
      "",
    ].join("\n"),
  );
  const before = [pinned, open, rsaOnly].map((f) => readFileSync(f, "utf8"));
  const dir = fleetFlake(tb, {
    pinned: { hostname: "h1", profiles: { system: { message: "pinned" } } },
    rsa: { hostname: "h2", profiles: { system: { message: "rsa" } } },
  }, { sshOpts: ["-F", config], sshUser: "deploy", user: "root", transport: "ssh2" });
  // OpenSSH, from the same config, refuses both: the oracle for the rows below.
  for (const h of tb.hosts) {
    assert.notEqual((await run(["ssh", "-F", config, `deploy@${h}`, "true"])).code, 0, h);
  }
  assert.deepEqual([pinned, open, rsaOnly].map((f) => readFileSync(f, "utf8")), before);

  const r = await deployFleet(dir, ["--keep-going"]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    /\[pinned\.system\] failed: .*the host key of h1 has changed since it was recorded in \S*fleet_known_hosts:1/,
  );
  assert.match(
    r.stderr,
    /\[rsa\.system\] failed: .*the host key of h2 has changed .*known_hosts holds ssh-rsa/,
  );
  assert.deepEqual(
    [pinned, open, rsaOnly].map((f) => readFileSync(f, "utf8")),
    before,
    "nothing recorded",
  );
  for (const [h, m] of [["h1", "pinned"], ["h2", "rsa"]]) {
    const store = await tb.exec(h, [
      "sh",
      "-c",
      `ls /nix/store | grep -c -- '-profile-${m}$' || true`,
    ]);
    assert.equal(store.stdout.trim(), "0", `${h}: nothing copied`);
    assert.equal(await profileTarget(tb, h, ROOT_PROFILE("system")), "", `${h}: no profile`);
  }
});

Deno.test("ssh2: three nodes on one host copy one after another into its store, all confirmed (NixOS/nix#6253 otherwise)", async () => {
  await using tb = await Testbed.up(1);
  for (const round of [1, 2]) {
    const dir = fleetFlake(tb, {
      a: { hostname: "h1", profiles: { one: { message: `a-${round}` } } },
      b: { hostname: "h1", profiles: { two: { message: `b-${round}` } } },
      c: { hostname: "h1", profiles: { three: { message: `c-${round}` } } },
    }, { transport: "ssh2" });
    const r = await deployFleet(dir, []);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /nix-archive-1/);
    assert.match(r.stderr, /3 profiles deployed/);
  }
});
