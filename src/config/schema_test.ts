import assert from "node:assert/strict";
import { describeValue, validateDeploy } from "./schema.ts";
import { ConfigError } from "../shared/errors.ts";

const P = "/nix/store/00000000000000000000000000000000-profile";

/** A deploy output as a test mutates it: any shape at all. */
// deno-lint-ignore no-explicit-any
type Loose = any;

/** A valid deploy output, changed by `patch` (which may mutate it). */
function deployWith(patch: (d: Loose) => void): unknown {
  const d = {
    sshUser: "deploy",
    nodes: {
      web: {
        hostname: "web.example.com",
        profiles: { system: { path: P, user: "root" }, app: { path: P } },
        profilesOrder: ["system"],
      },
    },
  };
  patch(d);
  return d;
}

/** Each malformed configuration, and what the message must say. */
const MALFORMED: [string, (d: Loose) => void, RegExp][] = [
  [
    "nodes missing",
    (d) => delete d.nodes,
    /^nodes \(field nodes\)|field nodes: required field is missing/,
  ],
  [
    "nodes not a set",
    (d) => (d.nodes = []),
    /field nodes: expected an attribute set of nodes, found an empty list/,
  ],
  [
    "node not a set",
    (d) => (d.nodes.web = "web"),
    /^web: expected the node to be an attribute set, found the string "web"/,
  ],
  [
    "hostname missing",
    (d) => delete d.nodes.web.hostname,
    /^web \(field hostname\): required field is missing \(expected a host name/,
  ],
  [
    "hostname a number",
    (d) => (d.nodes.web.hostname = 10),
    /^web \(field hostname\): expected a host name \(a string\), found the number 10$/,
  ],
  [
    "profiles missing",
    (d) => delete d.nodes.web.profiles,
    /^web \(field profiles\): required field is missing/,
  ],
  [
    "profiles a list",
    (d) => (d.nodes.web.profiles = [P]),
    /^web \(field profiles\): expected an attribute set of profiles, found a list/,
  ],
  [
    "profile not a set",
    (d) => (d.nodes.web.profiles.app = P),
    /^web\.app: expected the profile to be an attribute set, found the string/,
  ],
  [
    "path missing",
    (d) => delete d.nodes.web.profiles.app.path,
    /^web\.app \(field path\): required field is missing \(expected a derivation or a store path/,
  ],
  [
    "path a number",
    (d) => (d.nodes.web.profiles.app.path = 3),
    /^web\.app \(field path\): expected a derivation or a store path \(a string starting with \/\), found the number 3$/,
  ],
  [
    "path relative",
    (d) => (d.nodes.web.profiles.app.path = "result"),
    /^web\.app \(field path\): expected a derivation or a store path.*found the string "result"$/,
  ],
  [
    "path an attrset",
    (d) => (d.nodes.web.profiles.app.path = { name: "x" }),
    /^web\.app \(field path\): expected a derivation.*found an attribute set \(\{"name":"x"\}\)$/,
  ],
  [
    "profilePath relative",
    (d) => (d.nodes.web.profiles.app.profilePath = "p"),
    /^web\.app \(field profilePath\): expected an absolute path.*found the string "p"$/,
  ],
  [
    "sshUser a bool",
    (d) => (d.sshUser = true),
    /^field sshUser: expected a user name \(a string\), found true$/,
  ],
  [
    "user a list",
    (d) => (d.nodes.web.user = ["root"]),
    /^web \(field user\): expected a user name.*found a list \(\["root"\]\)$/,
  ],
  [
    "sshOpts a string",
    (d) => (d.nodes.web.sshOpts = "-p 22"),
    /^web \(field sshOpts\): expected a list of strings, found the string "-p 22"$/,
  ],
  [
    "sshOpts item a number",
    (d) => (d.nodes.web.profiles.app.sshOpts = ["-p", 22]),
    /^web\.app \(field sshOpts\[1\]\): expected a string, found the number 22$/,
  ],
  [
    "magicRollback a string",
    (d) => (d.magicRollback = "false"),
    /^field magicRollback: expected true or false, found the string "false"$/,
  ],
  [
    "autoRollback a number",
    (d) => (d.nodes.web.autoRollback = 0),
    /^web \(field autoRollback\): expected true or false, found the number 0$/,
  ],
  [
    "fastConnection null-ish string",
    (d) => (d.nodes.web.profiles.system.fastConnection = "yes"),
    /^web\.system \(field fastConnection\): expected true or false, found the string "yes"$/,
  ],
  [
    "confirmTimeout negative",
    (d) => (d.confirmTimeout = -5),
    /^field confirmTimeout: expected a whole number of seconds \(0 or more\), found the number -5$/,
  ],
  [
    "activationTimeout a float",
    (d) => (d.nodes.web.profiles.app.activationTimeout = 2.5),
    /^web\.app \(field activationTimeout\): expected a whole number of seconds \(0 or more\), found the number 2\.5 \(not whole\)$/,
  ],
  [
    "activationTimeout a string",
    (d) => (d.activationTimeout = "240"),
    /^field activationTimeout: expected a whole number of seconds \(0 or more\), found the string "240"$/,
  ],
  [
    "remoteBuild a string",
    (d) => (d.nodes.web.profiles.app.remoteBuild = "true"),
    /^web\.app \(field remoteBuild\): expected true or false, found the string "true"$/,
  ],
  [
    "interactiveSudo a number",
    (d) => (d.interactiveSudo = 1),
    /^field interactiveSudo: expected true or false, found the number 1$/,
  ],
  [
    "profilesOrder not a list",
    (d) => (d.nodes.web.profilesOrder = "system"),
    /^web \(field profilesOrder\): expected a list of profile names, found the string "system"$/,
  ],
  [
    "confirmTimeout too large for a timer",
    (d) => (d.nodes.web.profiles.system.confirmTimeout = 2147484),
    /^web\.system \(field confirmTimeout\): expected a whole number of seconds \(0 or more\), found the number 2147484 \(at most 2147483\)$/,
  ],
  [
    "wave negative",
    (d) => (d.nodes.web.wave = -1),
    /^web \(field wave\): expected a whole number of 0 or more \(the node's wave in a rollout\), found the number -1$/,
  ],
  [
    "wave not whole",
    (d) => (d.nodes.web.wave = 1.5),
    /^web \(field wave\): expected a whole number of 0 or more.*found the number 1\.5 \(not whole\)$/,
  ],
  [
    "tags not a list",
    (d) => (d.nodes.web.tags = "web"),
    /^web \(field tags\): expected a list of tags, each a non-empty word without spaces or any of , ; @ \* \?, found the string "web"$/,
  ],
  [
    "a tag with a space",
    (d) => (d.nodes.web.tags = ["web", "front end"]),
    /^web \(field tags\[1\]\): expected a tag: a non-empty word without spaces.*, found the string "front end"$/,
  ],
  [
    "an empty tag",
    (d) => (d.nodes.web.tags = [""]),
    /^web \(field tags\[0\]\): expected a tag: .*, found the string ""$/,
  ],
  [
    "tags on a profile",
    (d) => (d.nodes.web.profiles.app.tags = ["web"]),
    /^web\.app \(field tags\): tags is a node setting; it belongs to a node \(nodes\.<name>\.tags\), not to a profile$/,
  ],
  [
    "tags at the top level",
    (d) => (d.tags = ["web"]),
    /^field tags: tags is a node setting; it belongs to a node \(nodes\.<name>\.tags\), not to the top level of deploy$/,
  ],
  [
    "wave on a profile",
    (d) => (d.nodes.web.profiles.app.wave = 1),
    /^web\.app \(field wave\): wave is a node setting; it belongs to a node \(nodes\.<name>\.wave\), not to a profile$/,
  ],
  [
    "wave at the top level",
    (d) => (d.wave = 1),
    /^field wave: wave is a node setting; it belongs to a node \(nodes\.<name>\.wave\), not to the top level of deploy$/,
  ],
  [
    "health check with none of command, http, tcp",
    (d) => (d.nodes.web.profiles.system.healthChecks = { nginx: {} }),
    /^web\.system \(field healthChecks\.nginx\): expected exactly one of command, http, tcp, found/,
  ],
  [
    "health check with two kinds",
    (d) => (d.nodes.web.healthChecks = { x: { command: ["true"], tcp: "db:5432" } }),
    /^web \(field healthChecks\.x\): expected exactly one of command, http, tcp \(found command and tcp\)/,
  ],
  [
    "health check with an empty command",
    (d) => (d.nodes.web.profiles.system.healthChecks = { c: { command: [] } }),
    /^web\.system \(field healthChecks\.c\.command\): expected a non-empty list of strings/,
  ],
  [
    "health check http not a URL",
    (d) => (d.healthChecks = { h: { http: "web.example.com/health" } }),
    /^field healthChecks\.h\.http: expected a URL starting with "http:\/\/" or "https:\/\/"/,
  ],
  [
    "health check tcp without a port",
    (d) => (d.nodes.web.profiles.system.healthChecks = { db: { tcp: "db.example.com" } }),
    /^web\.system \(field healthChecks\.db\.tcp\): expected an address "host:port"/,
  ],
  [
    "expectStatus on a tcp check",
    (d) => (d.nodes.web.profiles.system.healthChecks = { db: { tcp: "db:1", expectStatus: 200 } }),
    /^web\.system \(field healthChecks\.db\.expectStatus\): expected expectStatus only with http/,
  ],
  [
    "healthChecks not a set",
    (d) => (d.nodes.web.profiles.system.healthChecks = ["x"]),
    /^web\.system \(field healthChecks\): expected an attribute set of named checks/,
  ],
  ["dotted node name quoted in message", (d) => {
    d.nodes["db.example.com"] = { hostname: 5, profiles: {} };
  }, /^"db\.example\.com" \(field hostname\): expected a host name/],
];

for (const [name, patch, message] of MALFORMED) {
  Deno.test(`schema rejects: ${name}`, () => {
    assert.throws(() => validateDeploy(deployWith(patch)), (e: unknown) => {
      assert.ok(e instanceof ConfigError, `not a ConfigError: ${e}`);
      assert.match(e.describe(), message);
      return true;
    });
  });
}

Deno.test("schema: several problems are all reported at once", () => {
  const d = deployWith((d) => {
    d.confirmTimeout = "x";
    d.nodes.web.hostname = 1;
  });
  assert.throws(
    () => validateDeploy(d),
    /2 problems:\n {2}field confirmTimeout: .*\n {2}web \(field hostname\)/,
  );
});

Deno.test("schema accepts a valid output and warns about unknown keys with the closest name", () => {
  const d = deployWith((d) => {
    d.sshOtps = ["-v"];
    d.nodes.web.magicRolback = false;
    d.nodes.web.profiles.app.hostname = "x";
    d.nodes.web.profiles.app.frobnicate = 1;
  });
  const { config, warnings } = validateDeploy(d);
  assert.equal(config.nodes.web.hostname, "web.example.com");
  assert.deepEqual(warnings, [
    "field sshOtps: unknown setting, ignored; did you mean sshOpts?",
    "web (field magicRolback): unknown setting, ignored; did you mean magicRollback?",
    "web.app (field hostname): unknown setting, ignored; it belongs to a node",
    "web.app (field frobnicate): unknown setting, ignored",
  ]);
});

Deno.test("schema accepts a node's wave", () => {
  const { config } = validateDeploy(deployWith((d) => (d.nodes.web.wave = 2)));
  assert.equal(config.nodes.web.wave, 2);
});

Deno.test("schema accepts a node's tags", () => {
  const { config, warnings } = validateDeploy(
    deployWith((d) => (d.nodes.web.tags = ["web", "eu-1"])),
  );
  assert.deepEqual(config.nodes.web.tags, ["web", "eu-1"]);
  assert.deepEqual(warnings, []);
});

Deno.test("describeValue names values the way Nix code shows them", () => {
  assert.equal(describeValue(null), "null");
  assert.equal(describeValue("a"), 'the string "a"');
  assert.equal(describeValue(1.5), "the number 1.5 (not whole)");
  assert.equal(describeValue([]), "an empty list");
});

Deno.test("schema accepts health checks of every kind", () => {
  const checks = {
    nginx: { command: ["systemctl", "is-active", "nginx"] },
    http: { http: "http://web.example.com/health", expectStatus: 204 },
    db: { tcp: "db.example.com:5432" },
    v6: { tcp: "[::1]:22" },
  };
  const { config } = validateDeploy(deployWith((d) => {
    d.nodes.web.profiles.system.healthChecks = checks;
  }));
  assert.deepEqual(config.nodes.web.profiles.system.healthChecks, checks);
});
