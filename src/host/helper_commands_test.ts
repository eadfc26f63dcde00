import assert from "node:assert/strict";
import { activateCommand, offerCommand, queryCommand } from "./helper_commands.ts";
import { decodeRequest, REQUEST_LINE_TAG } from "../wire/requests.ts";
import { encodeOffer, offerTokenArgv } from "../wire/offer.ts";
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

Deno.test("sudo password: written only to commands that go through sudo", () => {
  const ctx = { helper: "/nix/store/xyz-deploy-ts", deployer: "ops@laptop", password: "hunter2" };
  const interactive = { ...plan.settings, interactiveSudo: true };
  const commands = [
    // Through a sudo that asks: the password goes first on stdin, to `sudo -S`.
    queryCommand({ ...plan, settings: interactive }, ctx),
    // The profile's user is the ssh user: no sudo, so no password.
    queryCommand({ ...plan, settings: { ...interactive, user: "deploy" } }, ctx),
    // A sudo that does not ask (HelperHost then gives no password): `sudo -n`, nothing on stdin.
    queryCommand({ ...plan, settings: interactive }, { ...ctx, password: undefined }),
  ];
  assert.deepEqual(commands.map((c) => c.input), ["hunter2\n", undefined, undefined]);
  assert.deepEqual(commands[0].argv.slice(0, 7), ["sudo", "-k", "-S", "-p", "", "-u", "alice"]);
  assert.deepEqual(commands[2].argv.slice(0, 4), ["sudo", "-n", "-u", "alice"]);
});

Deno.test("health checks: on stdin in the request line, never on argv (activate; check-health in helper_host_test)", () => {
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
});

Deno.test("offer: the token, or a decline with its reason, as one tagged line to the run's offer file", () => {
  const token = "0".repeat(64);
  const plain = offerCommand(plan, {}, "/run/x", { kind: "confirm", token });
  assert.equal(plain.input, `deploy-ts-offer ${token}\n`);
  const declined = offerCommand(plan, {}, "/run/x", {
    kind: "decline",
    token,
    reason: "health check http failed:\nexit 3",
  });
  assert.equal(
    declined.input,
    `deploy-ts-offer decline ${token} health check http failed: exit 3\n`,
  );
  // As the profile's user, with the sudo password first when that sudo asks.
  const interactive = { ...plan, settings: { ...plan.settings, interactiveSudo: true } };
  const c = offerCommand(interactive, { password: "hunter2" }, "/run/x", {
    kind: "confirm",
    token,
  });
  assert.deepEqual(c.argv.slice(0, 7), ["sudo", "-k", "-S", "-p", "", "-u", "alice"]);
  assert.deepEqual(c.argv.slice(7), offerTokenArgv("/run/x"));
  assert.equal(c.input, `hunter2\n${encodeOffer({ kind: "confirm", token })}`);
});

Deno.test("secrets: the values ride in the activation's request line, never on argv", () => {
  const secret = {
    secret: "pw",
    destDir: "/run/keys",
    name: "pw",
    user: "root",
    group: "root",
    permissions: "0600",
    uploadAt: "pre-activation",
    value: btoa("s3cret-value"),
  } as const;
  const cmd = activateCommand(plan, ctx, { goal: "switch", secrets: [secret] });
  assert.ok(!cmd.argv.join(" ").includes(secret.value), cmd.argv.join(" "));
  assert.ok(!cmd.argv.includes("--secrets"));
  assert.ok(cmd.input!.startsWith(REQUEST_LINE_TAG));
  const line = cmd.input!.slice(0, -1);
  const { request } = decodeRequest(cmd.argv.slice(4), line);
  assert.ok("secrets" in request);
  assert.deepEqual(JSON.parse(request.secrets as string), [secret]);
  // Without secrets, nothing of them at all.
  assert.ok(!activateCommand(plan, ctx, { goal: "switch" }).input?.includes("secrets"));
});
