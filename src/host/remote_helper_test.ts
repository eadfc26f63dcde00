import assert from "node:assert/strict";
import {
  activateCommand,
  checkHealthLimitMs,
  checkHealthOnHost,
  type HelperContext,
  queryProfile,
} from "./remote_helper.ts";
import { decodeRequest, REQUEST_LINE_TAG } from "../wire/requests.ts";
import type { RunOptions, RunResult } from "../process/run.ts";
import type { Transport } from "../ssh/transport.ts";
import type { ProfilePlan } from "../config/plan.ts";
import { DEFAULTS } from "../config/settings.ts";
import { shellQuoteArgv, shellSplit } from "../shared/shell_quote.ts";

const plan: ProfilePlan = {
  repo: ".",
  node: "web",
  profile: "my app",
  hostname: "web",
  path: "/nix/store/abc-app",
  wave: 0,
  settings: {
    ...DEFAULTS,
    sshUser: "deploy",
    user: "alice",
    sshOpts: [],
    tempPath: "/var/tmp/it's",
  },
};

Deno.test("activate argv: as the profile's user, with every setting the helper needs", () => {
  const argv = activateCommand(
    plan,
    { helper: "/nix/store/xyz-deploy-ts", deployer: "ops@laptop" },
    { goal: "switch" },
  ).argv;
  assert.deepEqual(argv.slice(0, 8), [
    "sudo",
    "-u",
    "alice",
    "/nix/store/xyz-deploy-ts/bin/deploy",
    "activate",
    "/nix/store/abc-app",
    "--profile-user",
    "alice",
  ]);
  assert.deepEqual(argv.slice(8, 16), [
    "--profile-name",
    "my app",
    "--temp-path",
    "/var/tmp/it's",
    "--confirm-timeout",
    "30",
    "--activation-timeout",
    "240",
  ]);
  assert.deepEqual(argv.slice(16, 18), ["--magic-rollback", "--auto-rollback"]);
  assert.deepEqual(argv.slice(18), ["--deployer", "ops@laptop"]);
  // Names and paths with spaces and quotes reach the host's shell intact.
  assert.deepEqual(shellSplit(shellQuoteArgv(argv)), argv);
});

const ctx = { helper: "/h", deployer: "ops@laptop" };
const activateArgv = (p: ProfilePlan, c: typeof ctx, mode: Parameters<typeof activateCommand>[2]) =>
  activateCommand(p, c, mode).argv;

Deno.test("activate argv: explicit profilePath, modes, rollback to a generation, no sudo for the SSH user", () => {
  const own = {
    ...plan,
    profilePath: "/opt/p",
    settings: { ...plan.settings, user: "deploy", magicRollback: false },
  };
  const argv = activateArgv(own, ctx, { goal: "dry-activate", generation: 7 });
  assert.equal(argv[0], "/h/bin/deploy");
  assert.deepEqual(argv.slice(3, 5), ["--profile-path", "/opt/p"]);
  assert.ok(!argv.includes("--magic-rollback"));
  assert.ok(argv.includes("--dry-activate"));
  assert.deepEqual(argv.slice(argv.indexOf("--generation"), argv.indexOf("--generation") + 2), [
    "--generation",
    "7",
  ]);
  // Going back to a generation activates its closure, not the plan's path.
  const back = activateArgv(own, ctx, { goal: "switch", generation: 7, closure: "/nix/store/old" });
  assert.equal(back[2], "/nix/store/old");
  assert.ok(!back.includes(own.path));
  assert.ok(activateArgv(own, ctx, { goal: "boot" }).includes("--boot"));
});

/** A transport that records what each command got on stdin, and answers like a helper. */
function recordingTransport(
  stdin: (string | undefined)[],
  argvs: (readonly string[])[] = [],
  stdout = '{"profilePath":"/p","generation":null,"closure":null,"generations":[],"record":null}\n',
): Transport {
  const answer = (argv: readonly string[], o: RunOptions = {}): Promise<RunResult> => {
    stdin.push(o.input);
    argvs.push(argv);
    return Promise.resolve({
      argv,
      code: 0,
      signal: null,
      // By default what `deploy query` prints for a profile that does not exist yet.
      stdout,
      stderr: "",
      timedOut: false,
    });
  };
  return {
    destination: "deploy@web",
    open: () => Promise.resolve(),
    run: answer,
    runFresh: answer,
    nixStore: () => ({ uri: "ssh://x", env: {}, destination: "x" }),
    close: () => Promise.resolve(),
  };
}

Deno.test("sudo password: written only to commands that go through sudo", async () => {
  const stdin: (string | undefined)[] = [];
  const ctx: HelperContext = {
    transport: recordingTransport(stdin),
    helper: "/nix/store/xyz-deploy-ts",
    deployer: "ops@laptop",
    password: "hunter2",
    onLog: () => {},
    onPhase: () => {},
  };
  const argvs: (readonly string[])[] = [];
  ctx.transport = recordingTransport(stdin, argvs);
  const interactive = { ...plan.settings, interactiveSudo: true };
  // Through a sudo that asks: the password goes first on stdin, to `sudo -S`.
  await queryProfile({ ...plan, settings: interactive }, ctx);
  // The profile's user is the ssh user: no sudo, so no password.
  await queryProfile({ ...plan, settings: { ...interactive, user: "deploy" } }, ctx);
  // A sudo that does not ask (HelperHost then gives no password): `sudo -n`, nothing on stdin.
  await queryProfile({ ...plan, settings: interactive }, { ...ctx, password: undefined });
  assert.deepEqual(stdin, ["hunter2\n", undefined, undefined]);
  assert.deepEqual(argvs[0].slice(0, 7), ["sudo", "-k", "-S", "-p", "", "-u", "alice"]);
  assert.deepEqual(argvs[2].slice(0, 4), ["sudo", "-n", "-u", "alice"]);
});

Deno.test("health checks: on stdin in the request line, never on argv (activate and check-health)", async () => {
  const secret = ["curl", "-H", "Authorization: Bearer s3cret", "http://localhost/"];
  const withChecks = {
    ...plan,
    settings: {
      ...plan.settings,
      interactiveSudo: true,
      healthChecks: { api: { command: secret } },
    },
  };
  const call = activateCommand(withChecks, { ...ctx, password: "hunter2" }, { goal: "switch" });
  assert.ok(!call.argv.some((w) => w.includes("s3cret")), call.argv.join(" "));
  assert.ok(call.argv.includes("--health-timeout"));
  // The password line for sudo, then the helper's own line, which decodes to the checks.
  const [password, line, rest] = call.input!.split("\n");
  assert.equal(password, "hunter2");
  assert.equal(rest, "");
  assert.ok(line.startsWith(REQUEST_LINE_TAG));
  const helperArgv = call.argv.slice(call.argv.indexOf("/h/bin/deploy") + 1);
  const decoded = decodeRequest(helperArgv, line);
  assert.equal(decoded.command, "activate");
  assert.deepEqual(
    JSON.parse((decoded.request as { healthChecks: string }).healthChecks),
    { api: secret },
  );

  const stdin: (string | undefined)[] = [];
  const argvs: (readonly string[])[] = [];
  const transport = recordingTransport(stdin, argvs, '[{"name":"api","ok":true,"output":""}]\n');
  await checkHealthOnHost(
    plan,
    { ...ctx, transport, onLog: () => {}, onPhase: () => {} },
    { api: secret },
  );
  assert.ok(!argvs[0].some((w) => w.includes("s3cret")), argvs[0].join(" "));
  assert.match(stdin[0]!, /s3cret/);
});

Deno.test("deploy check gives up on a host that never answers, at its limit, naming the profile", async () => {
  const hanging: Transport = {
    ...recordingTransport([]),
    run: (argv, o: RunOptions = {}) =>
      new Promise((resolve) =>
        o.signal?.addEventListener(
          "abort",
          () => resolve({ argv, code: 255, signal: null, stdout: "", stderr: "", timedOut: false }),
        )
      ),
  };
  await assert.rejects(
    checkHealthOnHost(
      plan,
      { ...ctx, transport: hanging, onLog: () => {}, onPhase: () => {} },
      { api: ["true"] },
      50,
    ),
    (e: Error & { context?: { node?: string } }) =>
      /no answer to its health checks within 0s/.test(e.message) && e.context?.node === plan.node,
  );
  // The default limit: healthTimeout per check, and a margin for the login.
  const two = { a: ["true"], b: ["true"] };
  assert.equal(checkHealthLimitMs(plan, two), (plan.settings.healthTimeout * 2 + 15) * 1000);
});
