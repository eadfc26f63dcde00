/**
 * `deploy plan` against real Nix: flake mode, --file mode, and a flake-compat
 * default.nix with flakes switched off all give the same plan.
 */
import assert from "node:assert/strict";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "smol-toml";
import { profileDrv, writeTree } from "../support/flake.ts";
import { deployCli } from "../support/cli.ts";
import { REPO_ROOT } from "../support/testbed.ts";
import { runChecked } from "../../src/process/run.ts";
import type { PlanJson } from "../../src/ui/plan_format.ts";

/** The deploy output shared by the flake and the plain Nix file. */
const DEPLOY = `{
    sshUser = "deploy";
    sshOpts = [ "-o" "ConnectTimeout=3" ];
    confirmTimeout = 15;
    nodes = {
      web = {
        hostname = "web.example.com";
        profilesOrder = [ "system" ];
        profiles = {
          system = { user = "root"; path = ${profileDrv("system", "web system")}; };
          app = { user = "alice"; path = "\${${
  profileDrv("app", "web app")
}}"; magicRollback = false; };
        };
      };
      "db.internal" = {
        hostname = "db";
        sshOpts = [ "-p" "2222" ];
        profiles.system = { user = "root"; path = ${profileDrv("db", "db system")}; };
      };
    };
  }`;

function flakeDir(extra: Record<string, string> = {}): string {
  return writeTree({
    "flake.nix": `{ outputs = { self }: { deploy = ${DEPLOY}; }; }`,
    "default.nix": `(import ./flake-compat.nix { src = ./.; }).defaultNix`,
    ...extra,
  });
}

function withCompat(dir: string): string {
  copyFileSync(join(REPO_ROOT, "nix", "flake-compat.nix"), join(dir, "flake-compat.nix"));
  return dir;
}

type PlanProfile = PlanJson["profiles"][number];

async function planJson(args: string[], env?: Record<string, string>): Promise<PlanProfile[]> {
  const r = await deployCli(["plan", "--json", "-s", ...args], { env });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).profiles;
}

Deno.test("plan (flake): selected profiles in order, with paths, drvPaths and merged settings", async () => {
  const dir = flakeDir();
  const plan = await planJson([dir]);
  assert.deepEqual(plan.map((p) => `${p.node}.${p.profile}`), [
    "db.internal.system",
    "web.system",
    "web.app",
  ]);
  const expected = await runChecked([
    "nix",
    "eval",
    "--json",
    `${dir}#deploy.nodes.web.profiles.system.path.drvPath`,
  ]);
  const web = plan[1];
  assert.equal(web.drvPath, JSON.parse(expected.stdout));
  assert.match(web.path, /^\/nix\/store\/[a-z0-9]{32}-system$/);
  assert.equal(web.user, "root");
  assert.equal(web.sshUser, "deploy");
  assert.equal(web.settings.confirmTimeout, 15);
  // A path written as a string with context still knows its derivation.
  assert.match(plan[2].drvPath ?? "", /-app\.drv$/);
  assert.equal(plan[2].settings.magicRollback, false);
  assert.deepEqual(plan[0].settings.sshOpts, ["-p", "2222", "-o", "ConnectTimeout=3"]);
});

Deno.test("plan (flake): TOML by default, with deploy-rs's keys", async () => {
  const dir = flakeDir();
  const r = await deployCli([
    "plan",
    "-s",
    `${dir}#"db.internal"`,
    "--ssh-opts",
    "-p 22 -o 'User Known=x'",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const doc = parse(r.stdout) as Record<string, Record<string, Record<string, unknown>>>;
  assert.deepEqual(Object.keys(doc), ["db.internal"]);
  const db = doc["db.internal"].system;
  assert.equal(db.user, "root");
  assert.equal(db.ssh_user, "deploy");
  assert.equal(db.hostname, "db");
  assert.deepEqual(db.ssh_opts, ["-p", "22", "-o", "User Known=x"]);
  assert.match(db.path as string, /-db$/);
});

Deno.test("plan: --file mode and a flake-compat default.nix without flakes give the flake's plan", async () => {
  const dir = withCompat(flakeDir({ "deploy.nix": `{ deploy = ${DEPLOY}; }` }));
  const viaFlake = await planJson([dir]);
  const viaFile = await planJson(["--file", join(dir, "deploy.nix")]);
  assert.deepEqual(viaFile, viaFlake);
  const viaFileTargets = await planJson([
    "-f",
    join(dir, "deploy.nix"),
    "--targets",
    '"db.internal"',
    "web.app",
  ]);
  assert.deepEqual(viaFileTargets.map((p) => p.path), [viaFlake[0].path, viaFlake[2].path]);

  const noFlakes = { NIX_CONFIG: "experimental-features = nix-command" };
  const r = await deployCli(["plan", "--json", "-s", dir], { env: noFlakes });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).profiles, viaFlake);
  assert.equal(r.stderr.match(/flakes are not enabled/g)?.length, 1, r.stderr);
});

Deno.test("deploy: several targets on one flake are checked and evaluated once; plan checks nothing", async () => {
  const dir = flakeDir();
  const targets = ["--targets", `${dir}#web.app`, `${dir}#"db.internal"`, `${dir}#web`];
  const nixCalls = (stderr: string) =>
    stderr.split("\n").filter((l) => l.startsWith("[debug] + nix"));
  // Answered no at -i: checked and evaluated, and no host contacted.
  const d = await deployCli(["-i", "-d", ...targets], { input: "no\n" });
  assert.equal(d.code, 4, d.stderr);
  assert.equal(nixCalls(d.stderr).filter((l) => / flake check /.test(l)).length, 1, d.stderr);
  assert.equal(
    nixCalls(d.stderr).filter((l) => / eval --json .*#deploy/.test(l)).length,
    1,
    d.stderr,
  );
  const r = await deployCli(["plan", "-d", ...targets]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(nixCalls(r.stderr).filter((l) => / flake check /.test(l)).length, 0, r.stderr);
  const doc = parse(r.stdout) as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(doc), ["web", "db.internal"]);
});

Deno.test("deploy: a failing check stops the run before any host and shows its output", async () => {
  const failing = `builtins.derivation {
    name = "failing-check"; system = "x86_64-linux"; builder = "/bin/sh";
    args = [ "-c" "echo the-check-said-no >&2; exit 1" ];
  }`;
  const dir = writeTree({
    "flake.nix": `{ outputs = { self }: {
      deploy = ${DEPLOY};
      checks.x86_64-linux.nope = ${failing};
    }; }`,
  });
  const r = await deployCli(["-i", dir], { input: "yes\n" });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /the checks of .* failed \(skip them with --skip-checks\)/);
  assert.match(r.stderr, /the-check-said-no/);
  assert.doesNotMatch(r.stderr, /Are you sure/, "stopped before asking, so before any host");
  // -s skips them: the run gets as far as asking.
  const skipped = await deployCli(["-i", "-s", dir], { input: "no\n" });
  assert.equal(skipped.code, 4, skipped.stderr);
  // plan only plans: it runs no check.
  const planned = await deployCli(["plan", dir]);
  assert.equal(planned.code, 0, planned.stderr);
});

Deno.test("plan: bad input gets a clear message and a non-zero exit", async () => {
  const dir = flakeDir();
  const cases: [string[], RegExp][] = [
    [[`${dir}#wbe`], /no node named "wbe" in .*did you mean "web"\?/],
    [[`${dir}#web.sytem`], /no profile named "sytem" on node "web".*did you mean "system"\?/],
    [[`${dir}#host.example.com`], /Quote names that contain dots: '.*#"host\.example\.com"'/],
    [
      [dir, "--hostname", "x"],
      /--hostname replaces the address of one node, but 2 nodes are selected/,
    ],
    [[dir, "--confirm-timeout", "soon"], /--confirm-timeout.*expected a whole number of seconds/],
    [[dir, "--magic-rollback", "yes"], /--magic-rollback.*expected true or false/],
    [[dir, "--dry-activate", "--boot"], /cannot be used together/],
  ];
  for (const [args, message] of cases) {
    const r = await deployCli(["plan", "-s", ...args]);
    assert.notEqual(r.code, 0, args.join(" "));
    assert.match(r.stderr, message);
  }
  const bad = writeTree({
    "flake.nix":
      `{ outputs = { self }: { deploy.nodes.web = { hostname = "w"; profiles.system = { path = ${
        profileDrv("s", "s")
      }; confirmTimeout = "30"; }; }; }; }`,
  });
  const r = await deployCli(["plan", "-s", bad]);
  assert.equal(r.code, 2, "a wrong type is a configuration error");
  assert.match(
    r.stderr,
    /web\.system \(field confirmTimeout\): expected a whole number of seconds \(0 or more\), found the string "30"/,
  );
  const broken = writeTree({ "flake.nix": `{ outputs = { self }: { deploy = ; }; }` });
  const b = await deployCli(["plan", "-s", broken]);
  assert.equal(b.code, 2, "a flake that does not evaluate is a configuration error");
  assert.match(
    b.stderr,
    /evaluating the deploy output of .* failed \(nix eval\):\n.*syntax error/s,
  );
});

Deno.test("plan: deploy-rs's options-overriding flake (0 timeouts, null settings) plans with its flags (issue 18 item 7)", async () => {
  // deploy-rs's own VM test flake: the node's values are wrong on purpose
  // and the command line overrides them.
  const dir = writeTree({
    "flake.nix": `{ outputs = { self }: { deploy.nodes.server-override = {
      hostname = "override"; sshUser = "override"; user = "override"; sudo = "override";
      sshOpts = [ ]; confirmTimeout = 0; activationTimeout = 0; fastConnection = null;
      profiles.system.path = ${profileDrv("s", "s")};
    }; }; }`,
  });
  const flags = [
    "--hostname",
    "server",
    "--profile-user",
    "root",
    "--ssh-user",
    "root",
    "--sudo",
    "sudo -u",
    "--confirm-timeout",
    "30",
    "--activation-timeout",
    "30",
  ];
  const [p] = await planJson([`${dir}#server-override`, ...flags]);
  assert.equal(p.hostname, "server");
  assert.equal(p.settings.confirmTimeout, 30);
  assert.equal(p.settings.activationTimeout, 30);
  assert.equal(p.settings.fastConnection, false);
  // Without the flag, the 0 that applies is refused, naming where it came from.
  const r = await deployCli(["plan", "-s", `${dir}#server-override`, ...flags.slice(0, -2)]);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /server-override\.system \(field activationTimeout\): 0 \(from the node \(nodes\.server-override\)\) is 0 seconds/,
  );
});

Deno.test("deploy -i prints the plan, asks, and cancels on anything but yes", async () => {
  const dir = flakeDir();
  const r = await deployCli(["-i", "-s", `${dir}#web.system`], { input: "no\n" });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /\[web\.system\]\nuser = "root"\nssh_user = "deploy"/);
  assert.match(r.stderr, /Are you sure you want to deploy these profiles\?/);
  assert.match(r.stderr, /cancelled; nothing was changed/);
});
