/**
 * Issue 18 item 7: every value deploy-rs's types accept (reference §2.1:
 * Option<String>, Option<bool>, Option<u16>, Option<PathBuf>, null as unset)
 * deploys with deploy-rs's meaning, or is refused only when it is the value
 * that finally applies, with the message naming where it came from. One row
 * per setting × edge value; `want` is a setting's final value or the error.
 */
import assert from "node:assert/strict";
import { DeployError } from "../shared/errors.ts";
import { buildPlan } from "./plan.ts";
import { validateDeploy } from "./schema.ts";
import type { SettingOverrides } from "./settings_table.ts";
import { parseFlakeTarget } from "./target.ts";

// deno-lint-ignore no-explicit-any
type Loose = Record<string, any>;
const S = (n: string) => `/nix/store/${n.padEnd(32, "0")}-p`;

/** web has the profiles system and app; sshUser deploy, user root. */
function base(): Loose {
  return {
    sshUser: "deploy",
    nodes: {
      web: {
        hostname: "web.example.com",
        profiles: { system: { path: S("s"), user: "root" }, app: { path: S("a") } },
      },
    },
  };
}

interface Row {
  name: string;
  patch: (d: Loose) => void;
  flags?: SettingOverrides & { hostname?: string };
  target?: string;
  /** A field of web.system (or plan field), and its final value. */
  want: [string, unknown] | RegExp;
}

const sys = (f: (p: Loose) => void) => (d: Loose) => f(d.nodes.web.profiles.system);
const node = (f: (n: Loose) => void) => (d: Loose) => f(d.nodes.web);

const ROWS: Row[] = [
  // u16 timeouts: 0 ..= 65535, null as unset.
  {
    name: "confirmTimeout 0 with magicRollback applies: refused, naming the profile",
    patch: sys((p) => (p.confirmTimeout = 0)),
    want:
      /^web\.system \(field confirmTimeout\): 0 \(from the profile \(nodes\.web\.profiles\.system\)\) is 0 seconds, so every deployment would roll back/,
  },
  {
    name: "confirmTimeout 0 at the node, overridden by --confirm-timeout 30",
    patch: node((n) => (n.confirmTimeout = 0)),
    flags: { confirmTimeout: 30 },
    want: ["confirmTimeout", 30],
  },
  {
    name: "confirmTimeout 0 from --confirm-timeout: refused, naming the flag",
    patch: () => {},
    flags: { confirmTimeout: 0 },
    want: /\(field confirmTimeout\): 0 \(from flag --confirm-timeout\) is 0 seconds/,
  },
  {
    name: "confirmTimeout 0 with magicRollback false (nothing waits on it): deploys",
    patch: sys((p) => Object.assign(p, { confirmTimeout: 0, magicRollback: false })),
    want: ["confirmTimeout", 30],
  },
  {
    name: "confirmTimeout 0 at the top level, 10 on the profile",
    patch: (d) => {
      d.confirmTimeout = 0;
      d.nodes.web.profiles.system.confirmTimeout = 10;
    },
    want: ["confirmTimeout", 10],
  },
  {
    name: "confirmTimeout 65535",
    patch: sys((p) => (p.confirmTimeout = 65535)),
    want: ["confirmTimeout", 65535],
  },
  {
    name: "confirmTimeout null",
    patch: sys((p) => (p.confirmTimeout = null)),
    want: ["confirmTimeout", 30],
  },
  {
    name: "activationTimeout 0: refused, naming the top level",
    patch: (d) => (d.activationTimeout = 0),
    want:
      /^web\.system \(field activationTimeout\): 0 \(from the top level of deploy\) is 0 seconds, so every activation would time out/,
  },
  {
    name: "activationTimeout 0, overridden by --activation-timeout 30",
    patch: (d) => (d.activationTimeout = 0),
    flags: { activationTimeout: 30 },
    want: ["activationTimeout", 30],
  },
  {
    name: "activationTimeout 65535",
    patch: node((n) => (n.activationTimeout = 65535)),
    want: ["activationTimeout", 65535],
  },
  {
    name: "activationTimeout null",
    patch: node((n) => (n.activationTimeout = null)),
    want: ["activationTimeout", 240],
  },
  {
    name: "healthTimeout 0 without health checks: deploys",
    patch: sys((p) => (p.healthTimeout = 0)),
    want: ["healthTimeout", 60],
  },
  {
    name: "healthTimeout 0 with health checks: refused",
    patch: sys((p) => Object.assign(p, { healthTimeout: 0, healthChecks: { t: { tcp: "h:1" } } })),
    want:
      /\(field healthTimeout\): 0 \(from the profile .*\) is 0 seconds, and the profile has health checks/,
  },
  // Strings: any string, null as unset.
  {
    name: 'sshUser "" : refused, naming the top level',
    patch: (d) => (d.sshUser = ""),
    want: /^web\.system \(field sshUser\): "" \(from the top level of deploy\) is not a user name$/,
  },
  {
    name: 'sshUser "" overridden by --ssh-user root',
    patch: (d) => (d.sshUser = ""),
    flags: { sshUser: "root" },
    want: ["sshUser", "root"],
  },
  {
    name: 'sshUser "-oProxyCommand=x" overridden by --ssh-user root',
    patch: node((n) => (n.sshUser = "-oProxyCommand=x")),
    flags: { sshUser: "root" },
    want: ["sshUser", "root"],
  },
  {
    name: 'sshUser "-oProxyCommand=x": refused, naming the node',
    patch: node((n) => (n.sshUser = "-oProxyCommand=x")),
    want:
      /^web\.system \(field sshUser\): "-oProxyCommand=x" \(from the node \(nodes\.web\)\) starts with "-"/,
  },
  {
    name: "sshUser null: the local user",
    patch: (d) => (d.sshUser = null),
    want: ["sshUser", "operator"],
  },
  {
    name: 'user "": refused',
    patch: sys((p) => (p.user = "")),
    want: /\(field user\): "" \(from the profile .*\) is not a user name/,
  },
  {
    name: 'user "" overridden by --profile-user root',
    patch: sys((p) => (p.user = "")),
    flags: { user: "root" },
    want: ["user", "root"],
  },
  {
    name: "user null: sshUser",
    patch: sys((p) => (p.user = null)),
    want: ["user", "deploy"],
  },
  {
    name: 'sudo "" where no user switch applies: deploys',
    patch: sys((p) => Object.assign(p, { sudo: "", user: "deploy" })),
    want: ["sudo", ""],
  },
  {
    name: 'sudo "" where user differs from sshUser: refused',
    patch: sys((p) => (p.sudo = "")),
    want:
      /\(field sudo\): "" \(from the profile .*\) is empty, but user root differs from sshUser deploy/,
  },
  {
    name: 'sudo "" overridden by --sudo "doas -u"',
    patch: sys((p) => (p.sudo = "")),
    flags: { sudo: "doas -u" },
    want: ["sudo", "doas -u"],
  },
  {
    name: "sudo that cannot be split, where it is used: refused",
    patch: sys((p) => (p.sudo = "sudo -u 'x")),
    want: /\(field sudo\): "sudo -u 'x" \(from the profile .*\) cannot be split into words/,
  },
  {
    name: "healthInterval 0 with health checks: refused",
    patch: sys((p) => Object.assign(p, { healthInterval: 0, healthChecks: { t: { tcp: "h:1" } } })),
    want: /\(field healthInterval\): 0 \(from the profile .*\) is 0 seconds/,
  },
  { name: "sudo null", patch: sys((p) => (p.sudo = null)), want: ["sudo", "sudo -u"] },
  {
    name: 'tempPath "tmp" (relative): refused, stricter than deploy-rs',
    patch: node((n) => (n.tempPath = "tmp")),
    want:
      /^web\.system \(field tempPath\): "tmp" \(from the node \(nodes\.web\)\) is not an absolute path$/,
  },
  {
    name: 'tempPath "tmp" overridden by --temp-path /var/tmp',
    patch: node((n) => (n.tempPath = "tmp")),
    flags: { tempPath: "/var/tmp" },
    want: ["tempPath", "/var/tmp"],
  },
  {
    name: "tempPath from --temp-path relative: refused, naming the flag",
    patch: () => {},
    flags: { tempPath: "rel" },
    want: /\(field tempPath\): "rel" \(from flag --temp-path\) is not an absolute path/,
  },
  { name: "tempPath null", patch: node((n) => (n.tempPath = null)), want: ["tempPath", "/tmp"] },
  {
    name: 'hostname "" overridden by --hostname',
    patch: node((n) => (n.hostname = "")),
    flags: { hostname: "web.example.com" },
    want: ["hostname", "web.example.com"],
  },
  {
    name: 'hostname "": refused',
    patch: node((n) => (n.hostname = "")),
    want: /^web\.system \(field hostname\): "" \(from nodes\.web\.hostname\) is not a host name$/,
  },
  {
    name: 'hostname "-oProxyCommand=x" overridden by --hostname',
    patch: node((n) => (n.hostname = "-oProxyCommand=x")),
    flags: { hostname: "web.example.com" },
    want: ["hostname", "web.example.com"],
  },
  // Lists and booleans.
  { name: "sshOpts [] ", patch: node((n) => (n.sshOpts = [])), want: ["sshOpts", []] },
  {
    name: 'sshOpts with ""',
    patch: node((n) => (n.sshOpts = ["", "-v"])),
    want: ["sshOpts", ["", "-v"]],
  },
  {
    name: "sshOpts null: refused as by deploy-rs (a Vec)",
    patch: node((n) => (n.sshOpts = null)),
    want: /field sshOpts/,
  },
  ...["fastConnection", "autoRollback", "magicRollback", "interactiveSudo", "remoteBuild"].flatMap(
    (k): Row[] => [
      { name: `${k} false`, patch: sys((p) => (p[k] = false)), want: [k, false] },
      { name: `${k} true`, patch: sys((p) => (p[k] = true)), want: [k, true] },
      {
        name: `${k} null`,
        patch: sys((p) => (p[k] = null)),
        want: [k, k === "autoRollback" || k === "magicRollback"],
      },
    ],
  ),
  // Profile-only and node-only fields.
  {
    name: "profilePath null",
    patch: sys((p) => (p.profilePath = null)),
    want: ["profilePath", undefined],
  },
  {
    name: "profilePath relative: refused, stricter than deploy-rs",
    patch: sys((p) => (p.profilePath = "p")),
    want: /\(field profilePath\): expected an absolute path/,
  },
  {
    name: "profilesOrder naming a profile twice: deployed once",
    patch: node((n) => (n.profilesOrder = ["app", "app"])),
    target: ".#web",
    want: ["profiles", ["app", "system"]],
  },
  {
    name: "profilesOrder naming an unknown profile, one profile selected: deploys",
    patch: node((n) => (n.profilesOrder = ["nope"])),
    want: ["profile", "system"],
  },
  {
    name: "profilesOrder naming an unknown profile, the whole node: refused as by deploy-rs",
    patch: node((n) => (n.profilesOrder = ["sytem"])),
    target: ".#web",
    want:
      /^web \(field profilesOrder\): names the profile "sytem", which the node does not have \(profiles: "app", "system"\); did you mean "system"\?$/,
  },
  {
    name: "deploy-rs's own options-overriding flake (server-override) with its flags",
    patch: node((n) =>
      Object.assign(n, {
        hostname: "override",
        sshUser: "override",
        user: "override",
        sudo: "override",
        sshOpts: [],
        confirmTimeout: 0,
        activationTimeout: 0,
      })
    ),
    flags: {
      hostname: "server",
      user: "root",
      sshUser: "root",
      sudo: "sudo -u",
      confirmTimeout: 30,
      activationTimeout: 30,
    },
    want: ["settings", {
      confirmTimeout: 30,
      activationTimeout: 30,
      user: "root",
      sshUser: "root",
    }],
  },
];

function outcome(row: Row): unknown {
  const d = base();
  row.patch(d);
  const { hostname, ...overrides } = row.flags ?? {};
  try {
    const { config } = validateDeploy(d);
    const plans = buildPlan({
      targets: [parseFlakeTarget(row.target ?? ".#web.system")],
      repos: new Map([[".", {
        config,
        nodeNames: Object.keys(config.nodes),
        profileNames: { web: Object.keys(config.nodes.web.profiles) },
      }]]),
      overrides,
      localUser: "operator",
      ...(hostname === undefined ? {} : { hostname }),
    });
    return plans;
  } catch (e) {
    if (e instanceof DeployError) return e.describe();
    throw e;
  }
}

for (const row of ROWS) {
  Deno.test(`deploy-rs ranges: ${row.name}`, () => {
    const got = outcome(row);
    if (row.want instanceof RegExp) {
      assert.equal(typeof got, "string", `expected a refusal, got ${JSON.stringify(got)}`);
      assert.match(got as string, row.want);
      return;
    }
    assert.ok(Array.isArray(got), `expected a plan, got ${got}`);
    const [field, value] = row.want;
    const p = got[0] as Loose;
    if (field === "profiles") return assert.deepEqual(got.map((x: Loose) => x.profile), value);
    if (field === "settings") {
      for (const [k, v] of Object.entries(value as Loose)) assert.equal(p.settings[k], v, k);
      return;
    }
    const actual = field in p.settings ? p.settings[field] : p[field];
    assert.deepEqual(actual, value);
  });
}
