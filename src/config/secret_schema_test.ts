import assert from "node:assert/strict";
import { validateDeploy } from "./schema.ts";
import { mergeSettings } from "./settings.ts";
import { ConfigError } from "../shared/errors.ts";
import { keyFileProblem } from "./secret_schema.ts";

const P = "/nix/store/00000000000000000000000000000000-profile";

// deno-lint-ignore no-explicit-any
type Loose = any;

function deployWith(patch: (d: Loose) => void): unknown {
  const d = {
    sshUser: "deploy",
    nodes: { db: { hostname: "db.example.com", profiles: { system: { path: P } } } },
  };
  patch(d);
  return d;
}

const MALFORMED: [string, (d: Loose) => void, RegExp][] = [
  [
    "no source",
    (d) => (d.nodes.db.secrets = { pw: { user: "postgres" } }),
    /^db \(field secrets\.pw\): expected exactly one of keyCommand, keyFile, text, found/,
  ],
  [
    "two sources",
    (d) => (d.nodes.db.profiles.system.secrets = { pw: { text: "x", keyFile: "/etc/pw" } }),
    /^db\.system \(field secrets\.pw\): expected exactly one of keyCommand, keyFile, text \(found keyFile and text\)/,
  ],
  [
    "keyFile in the store",
    (d) => (d.secrets = { pw: { keyFile: `${P}-pw` } }),
    /^field secrets\.pw\.keyFile: expected a path outside the Nix store: .*path literal \(\.\/secret\) is copied there/,
  ],
  [
    "keyFile relative",
    (d) => (d.nodes.db.secrets = { pw: { keyFile: "secrets/pw" } }),
    /^db \(field secrets\.pw\.keyFile\): expected an absolute path on the deployer/,
  ],
  [
    "empty keyCommand",
    (d) => (d.nodes.db.secrets = { pw: { keyCommand: [] } }),
    /^db \(field secrets\.pw\.keyCommand\): expected a non-empty list of strings/,
  ],
  [
    "permissions not octal",
    (d) => (d.nodes.db.secrets = { pw: { text: "x", permissions: "rw-------" } }),
    /^db \(field secrets\.pw\.permissions\): expected permissions as an octal string such as "0600"/,
  ],
  [
    "permissions a number",
    (d) => (d.nodes.db.secrets = { pw: { text: "x", permissions: 384 } }),
    /^db \(field secrets\.pw\.permissions\): expected a string/,
  ],
  [
    "uploadAt unknown",
    (d) => (d.nodes.db.secrets = { pw: { text: "x", uploadAt: "later" } }),
    /^db \(field secrets\.pw\.uploadAt\): expected one of "pre-activation", "post-activation"/,
  ],
  [
    "a name with a slash",
    (d) => (d.nodes.db.secrets = { pw: { text: "x", name: "../etc/shadow" } }),
    /^db \(field secrets\.pw\.name\): expected a file name/,
  ],
  [
    "a name with a newline (a forged log line)",
    (d) => (d.nodes.db.secrets = { pw: { text: "x", name: "pw\n[deploy-ts] confirmed" } }),
    /^db \(field secrets\.pw\.name\): expected a file name \(not empty, no \/, no control/,
  ],
  [
    "a secret's name with a control character, used as its file name",
    (d) => (d.nodes.db.secrets = { "pw\r": { text: "x" } }),
    /^db \(field secrets\.pw\r\): expected a file name/,
  ],
  [
    "destDir with a newline",
    (d) => (d.nodes.db.secrets = { pw: { text: "x", destDir: "/run/keys\nx" } }),
    /^db \(field secrets\.pw\.destDir\): expected an absolute path .*no control/,
  ],
  [
    "permissions with a set-uid bit, 0o, or a trailing space",
    (d) => (d.nodes.db.secrets = {
      a: { text: "x", permissions: "4777" },
      b: { text: "x", permissions: "0o600" },
      c: { text: "x", permissions: "777 " },
    }),
    /3 problems:\n.*secrets\.a\.permissions.*"4777"\n.*secrets\.b\.permissions.*"0o600"\n.*secrets\.c\.permissions.*"777 "/,
  ],
  [
    "destDir relative",
    (d) => (d.nodes.db.secrets = { pw: { text: "x", destDir: "keys" } }),
    /^db \(field secrets\.pw\.destDir\): expected an absolute path/,
  ],
  [
    "an unknown field",
    (d) => (d.nodes.db.secrets = { pw: { text: "x", owner: "root" } }),
    /^db \(field secrets\.pw\): .*owner/,
  ],
];

for (const [name, patch, message] of MALFORMED) {
  Deno.test(`secrets schema rejects: ${name}`, () => {
    assert.throws(() => validateDeploy(deployWith(patch)), (e: unknown) => {
      assert.ok(e instanceof ConfigError, `not a ConfigError: ${e}`);
      assert.match(e.describe(), message);
      return true;
    });
  });
}

Deno.test("secrets schema: defaults applied, the file name is the attribute name", () => {
  const { config } = validateDeploy(deployWith((d) => {
    d.nodes.db.secrets = {
      "db-password": { keyCommand: ["pass", "db"], user: "postgres", permissions: "0400" },
      tls: { keyFile: "/home/me/tls.key", name: "server.key", uploadAt: "post-activation" },
    };
  }));
  assert.deepEqual(config.nodes.db.secrets, {
    "db-password": {
      keyCommand: ["pass", "db"],
      destDir: "/run/keys",
      name: "db-password",
      user: "postgres",
      group: "root",
      permissions: "0400",
      uploadAt: "pre-activation",
    },
    tls: {
      keyFile: "/home/me/tls.key",
      destDir: "/run/keys",
      name: "server.key",
      user: "root",
      group: "root",
      permissions: "0600",
      uploadAt: "post-activation",
    },
  });
});

Deno.test("secrets: merged by name, the profile's over the node's over the top level's", () => {
  const { config } = validateDeploy(deployWith((d) => {
    d.secrets = { a: { text: "top-a" }, b: { text: "top-b" } };
    d.nodes.db.secrets = { b: { text: "node-b" }, c: { text: "node-c" } };
    d.nodes.db.profiles.system.secrets = { c: { text: "profile-c" } };
  }));
  const s = mergeSettings(
    { profile: config.nodes.db.profiles.system, node: config.nodes.db, deploy: config },
    {},
    "operator",
    { node: "db", profile: "system" },
  );
  const texts = Object.fromEntries(
    Object.entries(s.secrets).map(([k, v]) => [k, "text" in v ? v.text : ""]),
  );
  assert.deepEqual(texts, { a: "top-a", b: "node-b", c: "profile-c" });
});

Deno.test("keyFileProblem: store paths and relative paths are refused, absolute ones taken", () => {
  assert.match(keyFileProblem("/nix/store/abc-secret")!, /in the store/);
  assert.match(keyFileProblem("./secret")!, /absolute path/);
  assert.equal(keyFileProblem("/etc/secrets/db"), undefined);
});
