import assert from "node:assert/strict";
import { parse } from "smol-toml";
import { cacheOf, isCacheUri } from "./binary_cache.ts";
import { validateDeploy } from "./schema.ts";
import { mergeSettings } from "./settings.ts";
import { ConfigError } from "../shared/errors.ts";
import { parseDeployArgs } from "../cli/program.ts";
import { formatPlanToml } from "../ui/plan_format.ts";
import { planOf } from "./plan_testing.ts";

const cache = { upload: "s3://fleet?region=eu-west-1", url: "https://fleet.example.com" };
const deployWith = (top: Record<string, unknown>, node: Record<string, unknown> = {}) => ({
  ...top,
  nodes: { web: { hostname: "web", ...node, profiles: { system: { path: "/nix/store/x" } } } },
});

Deno.test("binaryCache: url defaults to upload; false and null are accepted", () => {
  const { config } = validateDeploy(deployWith({ binaryCache: { upload: "file:///srv/c" } }));
  assert.deepEqual(config.binaryCache, { upload: "file:///srv/c", url: "file:///srv/c" });
  const off = validateDeploy(deployWith({ binaryCache: cache }, { binaryCache: false }));
  assert.equal(off.config.nodes.web.binaryCache, false);
  assert.equal(validateDeploy(deployWith({ binaryCache: null })).config.binaryCache, undefined);
});

Deno.test("binaryCache: a bare path, spaces, an unknown key or true are refused by field", () => {
  for (
    const bad of [
      { upload: "/srv/cache" },
      { upload: "https://a b" },
      { upload: "s3://x", urls: "s3://y" },
      true,
      { url: "https://x" },
    ]
  ) {
    assert.throws(
      () => validateDeploy(deployWith({}, { binaryCache: bad })),
      (e: unknown) => e instanceof ConfigError && /binaryCache/.test(e.describe()),
      JSON.stringify(bad),
    );
  }
  assert.ok(isCacheUri("ssh-ng://cache@host"));
  assert.ok(!isCacheUri("-oProxyCommand=x://y"));
});

Deno.test("binaryCache: profile over node over deploy, flags last; false switches it off", () => {
  const merge = (levels: Parameters<typeof mergeSettings>[0], overrides = {}) =>
    mergeSettings(
      { ...levels, deploy: { sshUser: "deploy", ...levels.deploy } },
      overrides,
      "op",
      { node: "web", profile: "system" },
    ).binaryCache;
  assert.equal(merge({ profile: {}, node: {}, deploy: {} }), false);
  assert.deepEqual(merge({ profile: {}, node: {}, deploy: { binaryCache: cache } }), cache);
  assert.equal(
    merge({ profile: {}, node: { binaryCache: false }, deploy: { binaryCache: cache } }),
    false,
  );
  const other = { upload: "file:///c", url: "file:///c" };
  assert.deepEqual(
    merge({ profile: { binaryCache: other }, node: { binaryCache: false }, deploy: {} }),
    other,
  );
  assert.equal(
    merge({ profile: { binaryCache: other }, node: {}, deploy: {} }, {
      binaryCache: false,
    }),
    false,
  );
});

Deno.test("binaryCache: --binary-cache URI sets both ends, --no-binary-cache switches off", () => {
  const flags = (...argv: string[]) =>
    parseDeployArgs(argv, { out: () => {}, err: () => {} })!.flags.overrides;
  assert.deepEqual(flags("--binary-cache", "https://c.example").binaryCache, {
    upload: "https://c.example",
    url: "https://c.example",
  });
  assert.equal(flags("--no-binary-cache").binaryCache, false);
  assert.equal(flags(".").binaryCache, undefined);
  assert.throws(() => flags("--binary-cache", "/srv/cache"), /scheme/);
});

Deno.test("binaryCache: fastConnection copies over SSH without the cache", () => {
  assert.deepEqual(cacheOf({ binaryCache: cache, fastConnection: false }), cache);
  assert.equal(cacheOf({ binaryCache: cache, fastConnection: true }), undefined);
  assert.equal(cacheOf({ binaryCache: false, fastConnection: false }), undefined);
});

Deno.test("binaryCache: deploy plan shows the cache of each profile", () => {
  const toml = parse(formatPlanToml([
    planOf("web", { settings: { binaryCache: cache } }),
    planOf("db"),
  ])) as Record<string, Record<string, Record<string, unknown>>>;
  assert.deepEqual({ ...toml.web.system.binary_cache as object }, cache);
  assert.equal(toml.db.system.binary_cache, false);
});

Deno.test("binaryCache: a trusted parameter, which turns the hosts' signature checks off, is refused", () => {
  // Nix 2.8 and 2.26 both take unsigned paths from `URI?trusted=1` (or true, yes) as a substituter.
  for (
    const uri of [
      "https://c.example?trusted=1",
      "https://c.example/?priority=10&trusted=true",
      "file:///srv/c?trusted=yes",
      "https://c.example?tr%75sted=1",
      "https://c.example?Trusted=1",
      "https://c.example?trusted",
    ]
  ) {
    assert.ok(!isCacheUri(uri), uri);
    assert.throws(
      () => validateDeploy(deployWith({}, { binaryCache: { upload: "s3://x", url: uri } })),
      (e: unknown) =>
        e instanceof ConfigError && /web.*binaryCache/s.test(e.describe()) &&
        /trusted/.test(e.describe()),
      uri,
    );
  }
  const flags = (...argv: string[]) =>
    parseDeployArgs(argv, { out: () => {}, err: () => {} })!.flags.overrides;
  assert.throws(() => flags("--binary-cache", "https://c.example?trusted=1"), /trusted/);
  for (
    const uri of [
      "https://c.example?priority=10",
      "s3://fleet?region=eu-west-1&compression=zstd",
      "https://c.example/trusted=1",
      "https://c.example?untrusted=1",
    ]
  ) assert.ok(isCacheUri(uri), uri);
});
