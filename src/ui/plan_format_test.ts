import assert from "node:assert/strict";
import { parse } from "smol-toml";
import { formatPlanToml, planToJson } from "./plan_format.ts";
import type { ProfilePlan } from "../config/plan.ts";
import { DEFAULTS } from "../config/settings.ts";

const plan: ProfilePlan[] = [
  {
    repo: ".",
    node: "db.internal",
    profile: "system",
    hostname: "db",
    path: "/nix/store/a-system",
    drvPath: "/nix/store/a-system.drv",
    wave: 0,
    settings: { ...DEFAULTS, sshUser: "deploy", user: "root", sshOpts: ["-p", "2222"] },
  },
  {
    repo: ".",
    node: "db.internal",
    profile: "app",
    hostname: "db",
    path: "/nix/store/b-app",
    profilePath: "/home/alice/.local/state/nix/profiles/app",
    wave: 1,
    tags: ["db", "eu"],
    settings: { ...DEFAULTS, sshUser: "deploy", user: "alice", sshOpts: [] },
  },
];

Deno.test("plan TOML: one table per node.profile with deploy-rs's keys, dotted names quoted", () => {
  const toml = formatPlanToml(plan);
  assert.match(toml, /^\["db\.internal"\.system\]$/m);
  const doc = parse(toml) as Record<string, Record<string, Record<string, unknown>>>;
  const system = doc["db.internal"].system;
  assert.equal(system.user, "root");
  assert.equal(system.ssh_user, "deploy");
  assert.equal(system.path, "/nix/store/a-system");
  assert.equal(system.hostname, "db");
  assert.deepEqual(system.ssh_opts, ["-p", "2222"]);
  assert.equal(system.magic_rollback, true);
  assert.ok(!("health_checks" in system), "no empty table for a profile without health checks");
  assert.equal(system.wave, 0);
  assert.equal(doc["db.internal"].app.wave, 1);
  assert.deepEqual(system.tags, []);
  assert.deepEqual(doc["db.internal"].app.tags, ["db", "eu"]);
  assert.equal(doc["db.internal"].app.profile_path, "/home/alice/.local/state/nix/profiles/app");
});

Deno.test("plan JSON: every profile with node, profile, users, paths and all settings", () => {
  const json = planToJson(plan);
  assert.deepEqual(json.profiles[1], {
    node: "db.internal",
    profile: "app",
    hostname: "db",
    sshUser: "deploy",
    user: "alice",
    path: "/nix/store/b-app",
    drvPath: null,
    profilePath: "/home/alice/.local/state/nix/profiles/app",
    wave: 1,
    tags: ["db", "eu"],
    settings: plan[1].settings,
  });
});

Deno.test("plan: nodes in rollout order, by wave, the plan's order within a wave", () => {
  const node = (name: string, wave: number): ProfilePlan => ({ ...plan[0], node: name, wave });
  const plans = [node("a", 1), node("b", 0), node("c", 1), node("d", 0)];
  assert.deepEqual(planToJson(plans).profiles.map((p) => p.node), ["b", "d", "a", "c"]);
  assert.deepEqual(Object.keys(parse(formatPlanToml(plans))), ["b", "d", "a", "c"]);
});

Deno.test("plan: a secret's text is hidden in TOML and JSON; where it goes and whose it is are shown", () => {
  const target = {
    destDir: "/run/keys",
    name: "pw",
    user: "postgres",
    group: "postgres",
    permissions: "0400",
    uploadAt: "pre-activation",
  } as const;
  const withSecrets: ProfilePlan = {
    ...plan[0],
    settings: {
      ...plan[0].settings,
      secrets: {
        pw: { text: "hunter2-in-the-flake", ...target },
        cmd: { keyCommand: ["pass", "show", "db"], ...target, name: "cmd" },
      },
    },
  };
  const toml = formatPlanToml([withSecrets]);
  const json = JSON.stringify(planToJson([withSecrets]));
  for (const shown of [toml, json]) {
    assert.doesNotMatch(shown, /hunter2/);
    assert.match(shown, /\(hidden\)/);
    assert.match(shown, /postgres/);
    assert.match(shown, /pass/);
  }
});
