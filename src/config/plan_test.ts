import assert from "node:assert/strict";
import { buildPlan, type EvaluatedRepo, orderedProfiles } from "./plan.ts";
import { parseFlakeTarget } from "./target.ts";
import type { DeployConfig } from "./schema.ts";

const S = (n: string) => `/nix/store/${n.padEnd(32, "0")}-p`;

function repo(config: DeployConfig): EvaluatedRepo {
  return {
    config,
    nodeNames: Object.keys(config.nodes),
    profileNames: Object.fromEntries(
      Object.entries(config.nodes).map(([k, v]) => [k, Object.keys(v.profiles)]),
    ),
  };
}

const FLEET = repo({
  sshUser: "deploy",
  sshOpts: ["-A"],
  nodes: {
    web: {
      hostname: "web.example.com",
      profilesOrder: ["system"],
      profiles: {
        zeta: { path: S("z"), user: "alice" },
        system: { path: S("s"), user: "root", drvPath: "/nix/store/x.drv" },
        app: { path: S("a"), profilePath: "/nix/var/nix/profiles/app" },
      },
    },
    "db.internal": {
      hostname: "db",
      sshOpts: ["-p", "2222"],
      profiles: { system: { path: S("d") } },
    },
    cache: { hostname: "cache", wave: 2, profiles: { system: { path: S("c") } } },
  },
});

const plan = (targets: string[], extra: { hostname?: string } = {}) =>
  buildPlan({
    targets: targets.map(parseFlakeTarget),
    repos: new Map([[".", FLEET]]),
    overrides: {},
    localUser: "operator",
    ...extra,
  });
const names = (targets: string[]) => plan(targets).map((p) => `${p.node}.${p.profile}`);

Deno.test("plan: every node sorted, profilesOrder first then the rest sorted", () => {
  assert.deepEqual(names(["."]), [
    "cache.system",
    "db.internal.system",
    "web.system",
    "web.app",
    "web.zeta",
  ]);
});

Deno.test("plan: nodes in the order targets name them, each profile once", () => {
  assert.deepEqual(names([".#web.app", '.#"db.internal"', ".#web", ".#web.app"]), [
    "web.app",
    "db.internal.system",
    "web.system",
    "web.zeta",
  ]);
});

Deno.test("plan: each profile carries merged settings, hostname, path and drvPath", () => {
  const [system] = plan([".#web.system"]);
  assert.equal(system.hostname, "web.example.com");
  assert.equal(system.path, S("s"));
  assert.equal(system.drvPath, "/nix/store/x.drv");
  assert.equal(system.settings.user, "root");
  assert.equal(system.settings.sshUser, "deploy");
  assert.deepEqual(system.settings.sshOpts, ["-A"]);
  const [db] = plan(['.#"db.internal".system']);
  assert.deepEqual(db.settings.sshOpts, ["-p", "2222", "-A"]);
  const [app] = plan([".#web.app"]);
  assert.equal(app.profilePath, "/nix/var/nix/profiles/app");
});

Deno.test("plan: unknown nodes and profiles are named, with a suggestion", () => {
  assert.throws(
    () => names([".#wbe"]),
    /no node named "wbe" in \. \(nodes: "web", "db\.internal", "cache"\); did you mean "web"\?/,
  );
  assert.throws(
    () => names([".#web.sytem"]),
    /no profile named "sytem" on node "web" in \. \(profiles: "system", "app", "zeta"\); did you mean "system"\?/,
  );
});

Deno.test("plan: --hostname applies to one node and refuses several", () => {
  assert.equal(plan([".#web"], { hostname: "10.0.0.5" })[0].hostname, "10.0.0.5");
  assert.throws(
    () => plan(["."], { hostname: "10.0.0.5" }),
    /--hostname replaces the address of one node, but 3 nodes are selected \(cache, db\.internal, web\)/,
  );
});

Deno.test("orderedProfiles ignores order entries the node does not have", () => {
  assert.deepEqual(orderedProfiles(["b", "x"], ["c", "a", "b"]), ["b", "a", "c"]);
});

Deno.test("plan: a --hostname or --ssh-user that ssh would read as an option is refused", () => {
  assert.throws(
    () => plan([".#web"], { hostname: "-oProxyCommand=touch /tmp/x" }),
    (e: Error & { describe(): string }) =>
      /^web\.system \(field hostname\): "-oProxyCommand=touch \/tmp\/x" \(from flag --hostname\) starts with "-"/
        .test(
          e.describe(),
        ),
  );
  assert.throws(
    () =>
      buildPlan({
        targets: [parseFlakeTarget(".#cache")],
        repos: new Map([[".", FLEET]]),
        overrides: { sshUser: "-F/tmp/evil" },
        localUser: "operator",
      }),
    (e: Error & { describe(): string }) =>
      /^cache\.system \(field sshUser\): "-F\/tmp\/evil" \(from flag --ssh-user\) starts with "-"/
        .test(e.describe()),
  );
});

Deno.test("plan: each profile carries its node's wave, 0 when the node has none", () => {
  const waves = Object.fromEntries(plan(["."]).map((p) => [`${p.node}.${p.profile}`, p.wave]));
  assert.deepEqual(waves, {
    "cache.system": 2,
    "db.internal.system": 0,
    "web.system": 0,
    "web.app": 0,
    "web.zeta": 0,
  });
});
