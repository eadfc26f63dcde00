import assert from "node:assert/strict";
import { DEFAULTS, mergeSettings } from "./settings.ts";
import type { GenericSettings } from "./schema.ts";
import { ConfigError } from "../shared/errors.ts";

const where = { node: "web", profile: "system" };
const merge = (
  profile: GenericSettings,
  node: GenericSettings,
  deploy: GenericSettings,
  overrides = {},
) => mergeSettings({ profile, node, deploy }, overrides, "operator", where);

Deno.test("settings: profile over node over deploy for single values", () => {
  const s = merge(
    { confirmTimeout: 10 },
    { confirmTimeout: 20, magicRollback: false, tempPath: "/var/tmp" },
    { confirmTimeout: 30, magicRollback: true, tempPath: "/run", sshUser: "deploy" },
  );
  assert.equal(s.confirmTimeout, 10);
  assert.equal(s.magicRollback, false);
  assert.equal(s.tempPath, "/var/tmp");
  assert.equal(s.sshUser, "deploy");
});

Deno.test("settings: sshOpts are concatenated profile, node, deploy", () => {
  const s = merge({ sshOpts: ["-p", "2222"] }, { sshOpts: ["-v"] }, {
    sshOpts: ["-A"],
    sshUser: "x",
  });
  assert.deepEqual(s.sshOpts, ["-p", "2222", "-v", "-A"]);
});

Deno.test("settings: command-line overrides come last and --ssh-opts replaces the list", () => {
  const s = merge(
    { sshOpts: ["-p", "2222"], magicRollback: true },
    { user: "alice" },
    { sshUser: "deploy" },
    { sshOpts: ["-q"], magicRollback: false, user: "bob", confirmTimeout: 99 },
  );
  assert.deepEqual(s.sshOpts, ["-q"]);
  assert.equal(s.magicRollback, false);
  assert.equal(s.user, "bob");
  assert.equal(s.confirmTimeout, 99);
});

Deno.test("settings: defaults as deploy-rs's, user from sshUser, sshUser from the local user", () => {
  const s = merge({}, {}, { sshUser: "deploy" });
  assert.deepEqual(s, {
    ...DEFAULTS,
    sshUser: "deploy",
    user: "deploy",
    sshOpts: [],
  });
  assert.equal(s.sudo, "sudo -u");
  assert.equal(s.confirmTimeout, 30);
  assert.equal(s.activationTimeout, 240);
  const rootOnly = merge({ user: "root" }, {}, {});
  assert.equal(rootOnly.sshUser, "operator");
  assert.equal(rootOnly.user, "root");
});

Deno.test("settings: a null in Nix counts as unset", () => {
  // deno-lint-ignore no-explicit-any
  const s = merge({ confirmTimeout: null as any }, { confirmTimeout: 5 }, { sshUser: "x" });
  assert.equal(s.confirmTimeout, 5);
});

Deno.test("settings: neither user nor sshUser is an error naming node, profile and field", () => {
  assert.throws(() => merge({}, {}, {}), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.describe(), /^web\.system \(field user\): neither user nor sshUser is set/);
    return true;
  });
});

Deno.test("settings: health checks merge profile over node over deploy, with their timeouts", () => {
  const nodeChecks = { nginx: { command: ["systemctl", "is-active", "nginx"] } };
  const fromNode = merge({}, { healthChecks: nodeChecks, healthTimeout: 20 }, {
    sshUser: "x",
    healthChecks: { tcp: { tcp: "db:5432" } },
    healthInterval: 5,
  });
  assert.deepEqual(fromNode.healthChecks, nodeChecks);
  assert.equal(fromNode.healthTimeout, 20);
  assert.equal(fromNode.healthInterval, 5);
  const profileChecks = { http: { http: "http://web/health", expectStatus: 204 } };
  const fromProfile = merge({ healthChecks: profileChecks }, { healthChecks: nodeChecks }, {
    sshUser: "x",
  });
  assert.deepEqual(fromProfile.healthChecks, profileChecks);
  const none = merge({}, {}, { sshUser: "x" });
  assert.deepEqual(none.healthChecks, {});
  assert.equal(none.healthTimeout, DEFAULTS.healthTimeout);
  assert.equal(none.healthInterval, 2);
});
