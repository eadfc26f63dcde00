import assert from "node:assert/strict";
import { parseDeployArgs } from "./program.ts";
import { ConfigError } from "../shared/errors.ts";

function parse(...argv: string[]) {
  const out: string[] = [];
  const parsed = parseDeployArgs(argv, { out: (s) => out.push(s), err: (s) => out.push(s) });
  return { parsed, output: out.join("") };
}
const flags = (...argv: string[]) => parse(...argv).parsed!.flags;

Deno.test("cli: no target means '.', and everything after -- goes to Nix", () => {
  const f = flags("--", "--impure", "--max-jobs", "0", ".#swallowed");
  assert.deepEqual(f.targets, ["."]);
  assert.deepEqual(f.extraNixArgs, ["--impure", "--max-jobs", "0", ".#swallowed"]);
});

Deno.test("cli: --targets takes several values up to the next flag", () => {
  const f = flags("--targets", ".#a", ".#b.c", "-s", "--", "--offline");
  assert.deepEqual(f.targets, [".#a", ".#b.c"]);
  assert.equal(f.skipChecks, true);
  assert.deepEqual(f.extraNixArgs, ["--offline"]);
});

Deno.test("cli: every deploy-rs flag with its short letter and value syntax", () => {
  const f = flags(
    ".#web",
    "-c",
    "-i",
    "-d",
    "-k",
    "-s",
    "-r",
    "./gc",
    "--log-dir",
    "/var/log/d",
    "--remote-build",
    "--ssh-user",
    "ops",
    "--profile-user",
    "alice",
    "--ssh-opts",
    "-p 22 -o 'ProxyCommand=ssh -W %h:%p jump'",
    "--fast-connection",
    "true",
    "--auto-rollback",
    "false",
    "--hostname",
    "10.0.0.1",
    "--magic-rollback",
    "false",
    "--confirm-timeout",
    "45",
    "--activation-timeout",
    "600",
    "--temp-path",
    "/var/tmp",
    "--dry-activate",
    "--rollback-succeeded",
    "false",
    "--sudo",
    "doas -u",
    "--interactive-sudo",
    "true",
  );
  assert.deepEqual(f.targets, [".#web"]);
  assert.equal(f.checksigs && f.interactive && f.debugLogs && f.keepResult && f.skipChecks, true);
  assert.equal(f.resultPath, "./gc");
  assert.equal(f.logDir, "/var/log/d");
  assert.equal(f.hostname, "10.0.0.1");
  assert.equal(f.dryActivate, true);
  assert.equal(f.rollbackSucceeded, false);
  assert.deepEqual(f.overrides, {
    sshUser: "ops",
    user: "alice",
    sshOpts: ["-p", "22", "-o", "ProxyCommand=ssh -W %h:%p jump"],
    fastConnection: true,
    autoRollback: false,
    magicRollback: false,
    confirmTimeout: 45,
    activationTimeout: 600,
    tempPath: "/var/tmp",
    remoteBuild: true,
    sudo: "doas -u",
    interactiveSudo: true,
  });
});

Deno.test("cli: defaults", () => {
  const f = flags();
  assert.deepEqual(f.overrides, {});
  assert.equal(f.rollbackSucceeded, true);
  assert.equal(f.resultPath, "./.deploy-gc");
  assert.equal(f.jobs, 8);
  assert.equal(f.progress, true);
  assert.equal(f.file, undefined);
});

Deno.test("cli: plan takes the same flags after the word plan", () => {
  const { parsed } = parse("plan", "--json", "-f", "deploy.nix", "web.system");
  assert.equal(parsed!.command, "plan");
  assert.equal(parsed!.flags.json, true);
  assert.equal(parsed!.flags.file, "deploy.nix");
  assert.deepEqual(parsed!.flags.targets, ["web.system"]);
});

Deno.test("cli: wrong values and conflicting flags are errors that say why", () => {
  const bad: [string[], RegExp][] = [
    [["--magic-rollback", "yes"], /--magic-rollback <bool>.*expected true or false/],
    [["--confirm-timeout", "-1"], /--confirm-timeout/],
    [["--confirm-timeout", "1.5"], /expected a whole number of seconds \(0 or more\)/],
    [[".#a", "--targets", ".#b"], /either as arguments or with --targets, not both/],
    [["--dry-activate", "--boot"], /--dry-activate and --boot cannot be used together/],
    [["--confirm-timeout", "2147484"], /at most 2147483 seconds/],
    [["--ssh-opts", "-o 'unterminated"], /--ssh-opts: unterminated single quote/],
    [["--no-such-flag"], /unknown option '--no-such-flag'/],
  ];
  for (const [argv, message] of bad) {
    assert.throws(() => parse(...argv), (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.match(e.message, message);
      assert.equal(e.exitCode, 2);
      return true;
    }, argv.join(" "));
  }
});

Deno.test("cli: --help is grouped, --version prints the version", () => {
  const help = parse("--help");
  assert.equal(help.parsed, undefined);
  for (
    const heading of [
      "Selection and evaluation:",
      "Connection:",
      "Build:",
      "Activation and rollback:",
    ]
  ) {
    assert.ok(help.output.includes(heading), heading);
  }
  assert.match(parse("--version").output, /^\d+\.\d+\.\d+\n$/);
});

Deno.test("cli: wave flags refuse what they cannot mean", () => {
  assert.throws(
    () => parse(".", "--waves", "a;;b"),
    /--waves.*wave 2 of "a;;b" has an empty node name/,
  );
  assert.throws(() => parse(".", "--wave-pause", "0"), /--wave-pause.*positive whole number/);
  assert.throws(() => parse(".", "--max-failures", "-1"), /--max-failures/);
  assert.throws(
    () => parse(".", "--max-failures", "1"),
    /--max-failures needs --keep-going/,
  );
});

Deno.test("cli: --skip-health-checks overrides healthChecks at every level, like any setting flag", () => {
  assert.deepEqual(flags(".", "--skip-health-checks").overrides.healthChecks, {});
  assert.equal(flags(".").overrides.healthChecks, undefined);
});

Deno.test("cli: a timeout flag of 0 parses, as deploy-rs's u16 does; the plan decides whether it may apply (issue 18 item 7)", () => {
  const { parsed } = parse(".", "--confirm-timeout", "0", "--magic-rollback", "false");
  assert.equal(parsed!.flags.overrides.confirmTimeout, 0);
  assert.equal(
    parse(".", "--activation-timeout", "65535").parsed!.flags.overrides.activationTimeout,
    65535,
  );
});

Deno.test("cli: --on takes names, globs and @tags, comma-separated, on every command", () => {
  for (const cmd of [[], ["plan"], ["status"], ["diff"], ["rollback"], ["check"]]) {
    assert.deepEqual(flags(...cmd, "--on", "db,web-*,@eu").on, [
      { kind: "name", name: "db" },
      { kind: "glob", glob: "web-*" },
      { kind: "tag", tag: "eu" },
    ]);
  }
  assert.equal(flags(".").on, undefined);
  assert.throws(() => parse("--on", "a,,b"), /--on.*has an empty entry/);
  assert.throws(() => parse("--on", "@"), /"@" is not a tag/);
});

Deno.test("cli: exec takes the command after --, and --as", () => {
  const { parsed } = parse("exec", "--on", "@web", "--as", "postgres", "--", "psql", "-c", "x");
  assert.equal(parsed!.command, "exec");
  assert.deepEqual(parsed!.flags.exec, { command: ["psql", "-c", "x"], as: "postgres" });
  assert.deepEqual(parsed!.flags.extraNixArgs, []);
  assert.deepEqual(parsed!.flags.targets, ["."]);
  assert.deepEqual(flags("exec", ".#a", "--", "uptime").exec, { command: ["uptime"] });
  assert.throws(() => parse("exec", "--on", "@web"), /deploy exec needs a command after --/);
  assert.throws(() => parse("exec", "--as", "-x", "--", "id"), /is not a user name/);
  assert.throws(() => parse("--as", "root", "--", "id"), /unknown option '--as'/);
});

Deno.test("cli: a bare word is refused as an unknown command, with the nearest one", () => {
  assert.throws(
    () => parse("statu"),
    (e: unknown) =>
      e instanceof ConfigError &&
      /unknown command "statu" \(did you mean "status"\?\)/.test(e.message) &&
      /\.\/statu/.test(e.message) && e.exitCode === 2,
  );
  // Flake references and, with -f, node names stay targets.
  assert.deepEqual(flags("./statu").targets, ["./statu"]);
  assert.deepEqual(flags("flake:statu").targets, ["flake:statu"]);
  assert.deepEqual(flags("statu#web").targets, ["statu#web"]);
  assert.deepEqual(flags("-f", "fleet.nix", "web").targets, ["web"]);
});

Deno.test("cli: --help lists every exit code", () => {
  const help = parse("--help").output;
  for (const code of [0, 1, 2, 3, 4, 70, 130]) {
    assert.match(help, new RegExp(`^  ${code} +\\S`, "m"), `exit code ${code}`);
  }
});
