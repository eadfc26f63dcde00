/**
 * colmena's selection and exec end to end on testbed hosts: `--on @tag` and
 * `--on 'glob'` select what they say (plan and deploy), and `deploy exec`
 * runs a command on exactly the selected nodes, over SSH, naming the node
 * where it failed.
 */
import assert from "node:assert/strict";
import { Testbed } from "../support/testbed.ts";
import { activations, deployFleet, fleetFlake } from "../support/fleet.ts";
import { inTerminal } from "../support/terminal.ts";

/** Three nodes: n1 and web3 tagged web, n2 tagged db. */
function taggedFleet(tb: Testbed): string {
  return fleetFlake(tb, {
    n1: {
      hostname: "h1",
      settings: { tags: ["web", "eu"] },
      profiles: { system: { message: "n1" } },
    },
    n2: { hostname: "h2", settings: { tags: ["db"] }, profiles: { system: { message: "n2" } } },
    web3: {
      hostname: "h3",
      settings: { tags: ["web"] },
      profiles: { system: { message: "web3" } },
    },
  });
}

/** The nodes of `deploy plan --json ARGS`. */
async function plannedNodes(dir: string, args: string[]): Promise<string[]> {
  const r = await deployFleet(dir, ["plan", "--json", ...args]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { profiles: { node: string }[] }).profiles.map((p) => p.node);
}

Deno.test("select and exec: --on @tag and globs in plan and deploy; exec on exactly those nodes", async () => {
  await using tb = await Testbed.up(3);
  const dir = taggedFleet(tb);

  // plan: what --on selects, the tags shown.
  assert.deepEqual(await plannedNodes(dir, ["--on", "@web"]), ["n1", "web3"]);
  assert.deepEqual(await plannedNodes(dir, ["--on", "n*"]), ["n1", "n2"]);
  assert.deepEqual(await plannedNodes(dir, ["--on", "@db,web?"]), ["n2", "web3"]);
  assert.deepEqual(await plannedNodes(dir, [".#n1", ".#n2", "--on", "@web"]), ["n1"]);
  const toml = await deployFleet(dir, ["plan", "--on", "@web"]);
  assert.match(toml.stdout, /^tags = \[ "web", "eu" \]$/m);
  // --waves takes tags and globs too (the plan lists wave by wave).
  const waves = await deployFleet(dir, ["plan", "--json", "--waves", "@web; *"]);
  assert.equal(waves.code, 0, waves.stderr);
  assert.deepEqual(
    (JSON.parse(waves.stdout) as { profiles: { node: string; wave: number }[] }).profiles
      .map((p) => `${p.node}@${p.wave}`),
    ["n1@0", "web3@0", "n2@1"],
  );
  const typo = await deployFleet(dir, ["plan", "--on", "@wbe"]);
  assert.notEqual(typo.code, 0);
  assert.match(typo.stderr, /--on "@wbe" selects no node: .*did you mean "@web"\?/);

  // deploy: only the web nodes get the new generation.
  const r = await deployFleet(dir, ["--on", "@web"]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await activations(tb, "h1"), ["n1"]);
  assert.deepEqual(await activations(tb, "h2"), []);
  assert.deepEqual(await activations(tb, "h3"), ["web3"]);

  // exec: on the web nodes only, output prefixed by node.
  const exec = await deployFleet(dir, [
    "exec",
    "--on",
    "@web",
    "--",
    "echo",
    "marked > /tmp/exec-mark;",
    "id -un",
  ]);
  assert.equal(exec.code, 0, exec.stderr);
  assert.match(exec.stdout, /^\[n1\] root$/m);
  assert.match(exec.stdout, /^\[web3\] root$/m);
  assert.doesNotMatch(exec.stdout, /\[n2\]/);
  assert.match(exec.stderr, /^ {2}n1 +ok +exit 0$/m);
  assert.match(exec.stderr, /the command succeeded on all 2 nodes/);
  const marked = async (host: string) =>
    (await tb.exec(host, ["sh", "-c", "cat /tmp/exec-mark 2>/dev/null || true"])).stdout.trim();
  assert.deepEqual(await Promise.all(tb.hosts.map(marked)), ["marked", "", "marked"]);

  // --as: through the node's sudo.
  const as = await deployFleet(dir, ["exec", "--on", "web*", "--as", "alice", "--", "id", "-un"]);
  assert.equal(as.code, 0, as.stderr);
  assert.equal(as.stdout, "[web3] alice\n");

  // A command that fails on one node: non-zero, naming it.
  const failing = await deployFleet(dir, ["exec", "--on", "n*", "--", "test ! -e /tmp/exec-mark"]);
  assert.equal(failing.code, 1, failing.stderr);
  assert.match(failing.stderr, /^ {2}n1 +FAILED +exit 1$/m);
  assert.match(failing.stderr, /^ {2}n2 +ok +exit 0$/m);
  assert.match(failing.stderr, /deploy: error: the command failed on 1 of 2 nodes: n1 \(exit 1\)/);
});

Deno.test("select and exec: --json lines, an unreachable host fails its node; ssh2; -i", async () => {
  await using tb = await Testbed.up(1);
  const dir = fleetFlake(tb, {
    up: { hostname: "h1", settings: { tags: ["all"] }, profiles: { system: { message: "up" } } },
    gone: {
      hostname: "h9",
      settings: { tags: ["all"], sshOpts: ["-o", "ConnectTimeout=3"] },
      profiles: { system: { message: "gone" } },
    },
  });
  const r = await deployFleet(dir, ["exec", "--json", "--on", "@all", "--", "echo", "hi"]);
  assert.equal(r.code, 1, r.stderr);
  const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.ok(events.some((e) => e.type === "exec-output" && e.node === "up" && e.line === "hi"));
  const summary = events.at(-1);
  assert.equal(summary.type, "exec-summary");
  assert.equal(summary.ok, false);
  const byNode = Object.fromEntries(summary.nodes.map((n: { node: string }) => [n.node, n]));
  assert.equal(byNode.up.code, 0);
  assert.equal(byNode.gone.ok, false);
  assert.match(byNode.gone.error, /^no login: /);
  assert.match(r.stderr, /the command failed on 1 of 2 nodes: gone \(no login: /);

  // The built-in transport too.
  const ssh2 = await deployFleet(dir, [
    "exec",
    "--transport",
    "ssh2",
    "--on",
    "up",
    "--",
    "id -un",
  ]);
  assert.equal(ssh2.code, 0, ssh2.stderr);
  assert.equal(ssh2.stdout, "[up] root\n");

  // -i answered no: nothing runs.
  const no = await deployFleet(dir, ["exec", "-i", "--on", "up", "--", "touch /tmp/exec-ran"], {
    input: "n\n",
  });
  assert.equal(no.code, 4, "cancelled at -i");
  assert.match(no.stderr, /The command "touch \/tmp\/exec-ran" is going to run on 1 node: up/);
  assert.match(no.stderr, /exec cancelled; nothing was run/);
  assert.equal((await tb.exec("h1", ["test", "-e", "/tmp/exec-ran"])).code, 1);

  // On a terminal: a row per node under the output, then the summary alone.
  const tty = await inTerminal(
    dir,
    ["exec", "-s", "--on", "@all", "--", "echo hi; sleep 2"],
    {},
    undefined,
    {
      size: { cols: 80, rows: 12 },
    },
  );
  assert.equal(tty.code, 1, tty.out);
  // deno-lint-ignore no-control-regex
  const plain = tty.out.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
  assert.match(plain, /deploy-ts exec \d+:\d\d {2}2 nodes: /);
  assert.match(plain, /^ {2}up +running +\d+:\d\d {2}hi$/m);
  assert.match(plain, /^ {2}gone +FAILED +(\d+:\d\d +)?no login: /m);
  assert.match(plain, /\[up\] hi/);
});
