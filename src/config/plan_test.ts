import assert from "node:assert/strict";
import { buildPlan, type EvaluatedRepo, orderedProfiles } from "./plan.ts";
import { parseFlakeTarget } from "./target.ts";
import type { DeployConfig } from "./schema.ts";
import { parseNodePatterns } from "./node_selector.ts";

const S = (n: string) => `/nix/store/${n.padEnd(32, "0")}-p`;

function repo(config: DeployConfig): EvaluatedRepo {
  return {
    config,
    nodeNames: Object.keys(config.nodes),
    profileNames: Object.fromEntries(
      Object.entries(config.nodes).map(([k, v]) => [k, Object.keys(v.profiles)]),
    ),
    nodeTags: Object.fromEntries(Object.entries(config.nodes).map(([k, v]) => [k, v.tags ?? []])),
  };
}

const FLEET = repo({
  sshUser: "deploy",
  sshOpts: ["-A"],
  nodes: {
    web: {
      hostname: "web.example.com",
      tags: ["front", "eu"],
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
      tags: ["eu"],
      profiles: { system: { path: S("d") } },
    },
    cache: { hostname: "cache", wave: 2, profiles: { system: { path: S("c") } } },
  },
});

const plan = (targets: string[], extra: { hostname?: string; on?: string } = {}) =>
  buildPlan({
    targets: targets.map(parseFlakeTarget),
    repos: new Map([[".", FLEET]]),
    overrides: {},
    localUser: "operator",
    ...(extra.hostname === undefined ? {} : { hostname: extra.hostname }),
    ...(extra.on === undefined ? {} : { on: parseNodePatterns(extra.on) }),
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

Deno.test("plan: each profile carries its node's tags, none when the node has none", () => {
  const tags = Object.fromEntries(plan(["."]).map((p) => [`${p.node}.${p.profile}`, p.tags]));
  assert.deepEqual(tags["web.app"], ["front", "eu"]);
  assert.deepEqual(tags["db.internal.system"], ["eu"]);
  assert.deepEqual(tags["cache.system"], []);
});

Deno.test("plan: --on keeps the nodes it selects among those the targets name", () => {
  const on = (targets: string[], on: string) => [
    ...new Set(plan(targets, { on }).map((p) => p.node)),
  ];
  assert.deepEqual(on(["."], "@eu"), ["db.internal", "web"]);
  assert.deepEqual(on(["."], "c*,@front"), ["cache", "web"]);
  assert.deepEqual(on([".#web.app", ".#cache"], "@eu"), ["web"]);
  assert.deepEqual(plan([".#web.app"], { on: "w?b" }).map((p) => p.profile), ["app"]);
});

Deno.test("plan: an --on entry that selects none of the targets' nodes is an error", () => {
  assert.throws(
    () => plan(["."], { on: "@eu,@frnot" }),
    /--on "@frnot" selects no node.*did you mean "@front"\?/,
  );
  assert.throws(
    () => plan([".#cache"], { on: "@eu" }),
    /^ConfigError: --on "@eu" selects no node: no selected node has the tag "eu" \(tags: none\)$/,
  );
  // An unknown node named by a target is refused as without --on.
  assert.throws(() => plan([".#wbe"], { on: "*" }), /no node named "wbe"/);
});
