/**
 * Closures through a binary cache (README, "Large fleets"), end to end: the
 * deployer uploads to the testbed's cache once, each host fetches from it
 * itself (the cache server's log names the host of each request), and a
 * cache that is stopped, or whose signatures the hosts do not trust, ends
 * in SSH copies named in the summary — never in a bypassed check.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { run } from "../../src/process/run.ts";
import { Testbed } from "../support/testbed.ts";
import { TestbedCache } from "../support/cache.ts";
import { bundlePath } from "../support/cli.ts";
import {
  activations,
  deployFleet,
  fleetFlake,
  type FleetNode,
  profileTarget,
  ROOT_PROFILE,
} from "../support/fleet.ts";
import type { DeployEvent } from "../../src/shared/events.ts";
import { jsonEvents } from "../support/events.ts";

type Transfer = Extract<DeployEvent, { type: "transfer" }>;

const transfers = (stdout: string) =>
  jsonEvents(stdout).filter((e): e is Transfer => e.type === "transfer");

/** One node per host, each with a profile `app` of its own. */
function nodes(tb: Testbed, message: string): Record<string, FleetNode> {
  return Object.fromEntries(tb.hosts.map((h) => [h, {
    hostname: h,
    profiles: { app: { message: `${message}-${h}` } },
  }]));
}

async function assertDeployed(tb: Testbed, message: string): Promise<void> {
  for (const h of tb.hosts) {
    assert.match(await profileTarget(tb, h, ROOT_PROFILE("app")), /^\/nix\/store\//, h);
    assert.ok((await activations(tb, h)).includes(`${message}-${h}`), h);
  }
}

const hostAddr = (tb: Testbed, h: string) => `${tb.net}.${10 + Number(h.slice(1))}`;

for (const transport of ["openssh", "ssh2"] as const) {
  Deno.test(
    `binary cache: three hosts fetch from the cache themselves; a second run uploads nothing new${
      transport === "ssh2" ? " (ssh2)" : ""
    }`,
    async () => {
      await bundlePath();
      await using tb = await Testbed.up(3);
      const cache = new TestbedCache(tb);
      const binaryCache = { upload: await cache.upload(), url: await cache.up() };
      const dir = fleetFlake(tb, nodes(tb, "cached"), { binaryCache });
      const env = { LOCAL_KEY: tb.signingKey };
      const r = await deployFleet(dir, ["--json", "--transport", transport], { env });
      assert.equal(r.code, 0, r.stderr + r.stdout);
      await assertDeployed(tb, "cached");
      // Every host took its closures (the profile and the helper) from the cache, none over SSH.
      const first = transfers(r.stdout);
      assert.deepEqual(first.map((t) => t.node).sort(), tb.hosts);
      for (const t of first) {
        assert.equal(t.cache, binaryCache.url);
        assert.ok(t.fromCache.paths >= 2 && t.fromCache.bytes > 0, JSON.stringify(t));
        assert.deepEqual(t.overSsh, { paths: 0, bytes: 0 }, JSON.stringify(t));
        assert.equal(t.fellBack, undefined);
      }
      // …fetched by each host itself: the server saw each host's own address ask for NARs.
      const requests = await cache.requests();
      for (const h of tb.hosts) {
        const nars = requests.filter((q) =>
          q.addr === hostAddr(tb, h) && q.path.startsWith("/nar/")
        );
        assert.ok(nars.length >= 2 && nars.every((q) => q.status === 200), `${h}: ${nars.length}`);
      }
      // A second run: nothing new in the cache, nothing to fetch.
      const before = await cache.nars();
      const again = await deployFleet(dir, ["--json", "--transport", transport], { env });
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(await cache.nars(), before);
      assert.match(again.stdout, /uploaded to [^ ]+: 0 new paths/);
      for (const t of transfers(again.stdout)) {
        assert.deepEqual([t.fromCache.paths, t.overSsh.paths], [0, 0], JSON.stringify(t));
      }
    },
  );
}

Deno.test("binary cache: with the cache server stopped, every node is deployed over SSH, and the summary says so", async () => {
  await bundlePath();
  await using tb = await Testbed.up(3);
  const cache = new TestbedCache(tb);
  const binaryCache = { upload: await cache.upload(), url: await cache.up() };
  await cache.down();
  const dir = fleetFlake(tb, nodes(tb, "stopped"), { binaryCache });
  const r = await deployFleet(dir, [], { env: { LOCAL_KEY: tb.signingKey } });
  assert.equal(r.code, 0, r.stderr);
  await assertDeployed(tb, "stopped");
  assert.match(r.stderr, /3 nodes fell back to SSH from the binary cache/);
  for (const h of tb.hosts) {
    assert.match(r.stderr, new RegExp(`^  ${h}: \\d+ of \\d+ paths did not come from`, "m"));
    assert.match(r.stderr, new RegExp(`\\[${h}\\] copied: 0 paths \\(0 B\\) from .*, [1-9]`));
  }
});

Deno.test("binary cache: paths signed by a key the hosts do not trust come over SSH, or fail for a user Nix does not trust", async () => {
  await bundlePath();
  // Root's profiles on h1, alice's on h2: on Nix 2.26, alice's nix-env fails on a host where
  // root has a profile (Permission denied on per-user/root/channels), cache or not.
  await using tb = await Testbed.up(2);
  const cache = new TestbedCache(tb);
  const binaryCache = { upload: await cache.upload(), url: await cache.up() };
  const other = join(tb.dir, "other-key");
  const keys = await run([
    "nix-store",
    "--generate-binary-cache-key",
    "not-trusted",
    `${other}.sec`,
    `${other}.pub`,
  ]);
  assert.equal(keys.code, 0, keys.stderr);
  const env = { LOCAL_KEY: `${other}.sec` };
  const dir = fleetFlake(tb, {
    h1: { hostname: "h1", profiles: { app: { message: "untrusted-h1" } } },
  }, { binaryCache });
  const r = await deployFleet(dir, ["--json"], { env });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(await profileTarget(tb, "h1", ROOT_PROFILE("app")), /^\/nix\/store\//);
  const [t] = transfers(r.stdout);
  assert.equal(t.fromCache.paths, 0, JSON.stringify(t));
  assert.ok(t.overSsh.paths >= 2 && t.fellBack, JSON.stringify(t));
  // The host looked (narinfo) and took nothing: no NAR of an untrusted signature was fetched.
  const requests = await cache.requests();
  assert.ok(requests.some((q) => q.host === "h1" && q.path.endsWith(".narinfo")));
  assert.ok(!requests.some((q) => q.path.startsWith("/nar/")), JSON.stringify(requests));

  // A user the host's Nix does not trust (alice) takes only paths signed by a trusted key, from
  // the cache or over SSH; with --checksigs and nothing signed so, the node fails, saying so.
  const strict = fleetFlake(tb, {
    h2: {
      hostname: "h2",
      settings: { sshUser: "alice", user: "alice" },
      profiles: { app: { message: "strict-h2" } },
    },
  }, { binaryCache });
  const s = await deployFleet(strict, ["--checksigs"], { env });
  assert.equal(s.code, 1, s.stderr);
  assert.match(s.stderr, /lacks a (valid signature|signature by a trusted key)/);
  assert.match(s.stderr, /not from the binary cache: /);

  // Signed by the key the host trusts, alice's paths come over SSH: her Nix ignores the cache.
  const signed = fleetFlake(tb, {
    h2: {
      hostname: "h2",
      settings: { sshUser: "alice", user: "alice" },
      profiles: { app: { message: "signed-h2" } },
    },
  }, { binaryCache });
  const a = await deployFleet(signed, ["--checksigs", "--json"], {
    env: { LOCAL_KEY: tb.signingKey },
  });
  assert.equal(a.code, 0, a.stderr + a.stdout);
  const [viaSsh] = transfers(a.stdout);
  assert.ok(viaSsh.fromCache.paths === 0 && viaSsh.overSsh.paths >= 1, JSON.stringify(viaSsh));
  assert.match(viaSsh.fellBack!, /may not add substituters/);
});

/** Bytes of a store path's NAR, with `from` replaced by `to` (same length: a forged copy). */
async function forgedNar(path: string, from: string, to: string): Promise<Uint8Array> {
  const dump = await new Deno.Command("nix-store", { args: ["--dump", path], stdout: "piped" })
    .output();
  assert.ok(dump.success);
  const text = new TextDecoder("latin1").decode(dump.stdout);
  assert.ok(text.includes(from) && from.length === to.length);
  return Uint8Array.from(text.replaceAll(from, to), (c) => c.charCodeAt(0));
}

Deno.test("binary cache: a host that does not check signatures still gets the deployer's contents, not a cache's forgery", async () => {
  await bundlePath();
  await using tb = await Testbed.up(1);
  const cache = new TestbedCache(tb);
  const binaryCache = { upload: await cache.upload(), url: await cache.up() };
  // The host takes unsigned substitutes: what the cache serves decides, unless deploy-ts checks.
  const conf = join(tb.dir, "hosts", "h1", "etc-nix", "nix.conf");
  Deno.writeTextFileSync(conf, "require-sigs = false\n", { append: true });
  const dir = fleetFlake(tb, {
    h1: { hostname: "h1", profiles: { app: { message: "genuine-h1" } } },
  }, {
    binaryCache,
  });
  const built = await run([
    "nix",
    "build",
    "--no-link",
    "--json",
    `path:${dir}#deploy.nodes.h1.profiles.app.path`,
  ]);
  assert.equal(built.code, 0, built.stderr);
  const profile: string = JSON.parse(built.stdout)[0].outputs.out;
  // Someone who can write to the cache puts other contents under the profile's path first
  // (unsigned; `nix copy` then keeps what the cache has).
  const store = binaryCache.upload.replace(/^file:\/\//, "").replace(/\?.*$/, "");
  Deno.mkdirSync(join(store, "nar"), { recursive: true });
  const nar = join(store, "nar", "forged.nar");
  Deno.writeFileSync(nar, await forgedNar(profile, "genuine-h1", "forgery-h1"));
  const hash = await run(["nix-hash", "--type", "sha256", "--flat", "--base32", nar]);
  const narinfo = [
    `StorePath: ${profile}`,
    "URL: nar/forged.nar",
    "Compression: none",
    `NarHash: sha256:${hash.stdout.trim()}`,
    `NarSize: ${Deno.statSync(nar).size}`,
    "References: ",
    "",
  ].join("\n");
  const hashPart = profile.slice("/nix/store/".length).split("-")[0];
  Deno.writeTextFileSync(join(store, `${hashPart}.narinfo`), narinfo);
  try {
    Deno.statSync(join(store, "nix-cache-info"));
  } catch {
    Deno.writeTextFileSync(join(store, "nix-cache-info"), "StoreDir: /nix/store\n");
  }

  const r = await deployFleet(dir, ["--json"], { env: { LOCAL_KEY: tb.signingKey } });
  const ran = await activations(tb, "h1");
  assert.ok(!ran.includes("forgery-h1"), `the forgery was activated:\n${r.stderr}`);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.deepEqual(ran, ["genuine-h1"]);
  const [t] = transfers(r.stdout);
  assert.match(t.fellBack ?? "", /other contents/, JSON.stringify(t));
  // Only the forged path (and what refers to it) came again over SSH; the helper's stayed.
  assert.ok(t.fromCache.paths >= 1 && t.overSsh.paths === 1, JSON.stringify(t));
  const warnings = jsonEvents(r.stdout).filter((e) => e.type === "warning");
  assert.ok(warnings.some((w) => w.node === "h1" && /no key the host trusts/.test(w.message)));
});

Deno.test("binary cache: a cache that answers 500, one that redirects to a file:// URL, and an upload that fails all end deployed over SSH, each named", async () => {
  await bundlePath();
  await using tb = await Testbed.up(3);
  const cache = new TestbedCache(tb);
  const upload = await cache.upload();
  const good = await cache.up();
  // The hosts share this machine's network, so a server in this process is reachable by them.
  const seen: string[] = [];
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const { pathname } = new URL(req.url);
    seen.push(pathname);
    return pathname.startsWith("/redirect/")
      ? new Response(null, { status: 302, headers: { location: "file:///etc/passwd" } })
      : new Response("broken", { status: 500 });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const dir = fleetFlake(tb, {
    h1: {
      hostname: "h1",
      settings: { binaryCache: { upload, url: `${base}/error` } },
      profiles: { app: { message: "e500-h1" } },
    },
    h2: {
      hostname: "h2",
      settings: { binaryCache: { upload, url: `${base}/redirect` } },
      profiles: { app: { message: "redirect-h2" } },
    },
    h3: {
      hostname: "h3",
      settings: { binaryCache: { upload: "file:///proc/no-cache-here", url: good } },
      profiles: { app: { message: "noupload-h3" } },
    },
  });
  const r = await deployFleet(dir, ["--json"], { env: { LOCAL_KEY: tb.signingKey } });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  for (const [h, m] of [["h1", "e500"], ["h2", "redirect"], ["h3", "noupload"]]) {
    assert.deepEqual(await activations(tb, h), [`${m}-${h}`]);
  }
  const byNode = new Map(transfers(r.stdout).map((t) => [t.node, t]));
  for (const h of tb.hosts) {
    const t = byNode.get(h)!;
    assert.ok(t.fromCache.paths === 0 && t.overSsh.paths >= 2 && t.fellBack, JSON.stringify(t));
  }
  assert.match(byNode.get("h3")!.fellBack!, /uploading to file:\/\/\/proc\/no-cache-here failed/);
  assert.ok(
    seen.some((p) => p.startsWith("/error/")) && seen.some((p) => p.startsWith("/redirect/")),
  );
});
