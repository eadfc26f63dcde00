/** Copies through a binary cache, without Nix or SSH: a fake host store and a fake cache store. */
import assert from "node:assert/strict";
import { planOf } from "../config/plan_testing.ts";
import type { ProfilePlan } from "../config/plan.ts";
import type { Host } from "../host/host.ts";
import type { CacheStore } from "../nix/binary_cache.ts";
import type { DeployEventInput } from "../shared/events.ts";
import { DeployEventSchema } from "../shared/event_schema.ts";
import { CacheCopy, transferOf } from "./cache_copy.ts";

const HELPER = "/nix/store/h-deploy-ts";
const cache = { upload: "s3://fleet", url: "https://fleet.example" };
const cached = (node: string, settings: Partial<ProfilePlan["settings"]> = {}) =>
  planOf(node, { path: `/nix/store/p-${node}`, settings: { binaryCache: cache, ...settings } });

/** Every path is its own closure, 100 bytes each; the cache holds what `uploads` say. */
function fakeStore(o: { uploadFails?: boolean } = {}) {
  const uploads: string[][] = [];
  const store: CacheStore = {
    closure: (paths) => Promise.resolve(new Map(paths.map((p) => [p, 100]))),
    narHashes: (paths) => Promise.resolve(new Map(paths.map((p) => [p, `sha256:${p}`]))),
    upload: (to, paths) => {
      uploads.push([to, ...paths]);
      return o.uploadFails
        ? Promise.reject(new Error("403 Forbidden"))
        : Promise.resolve({ paths: paths.length, bytes: 100 * paths.length });
    },
  };
  return { store, uploads };
}

/**
 * A host whose store holds `has`, and whose fetch takes `fetchable` from the
 * cache: as the deployer has them, but for `forged` (other contents).
 */
function fakeHost(o: {
  fetchable: string[];
  has?: string[];
  queryFails?: boolean;
  forged?: readonly string[];
  /** The forged paths carry a signature by a key the host trusts. */
  signed?: boolean;
  hashFails?: boolean;
  deleteFails?: boolean;
}) {
  const store = new Set(o.has ?? []);
  const calls: string[] = [];
  const host = {
    narHashes: (paths: readonly string[]) =>
      o.hashFails ? Promise.reject(new Error("nix-store --query --hash failed")) : Promise.resolve(
        new Map(paths.map((p) => [p, o.forged?.includes(p) ? "sha256:other" : `sha256:${p}`])),
      ),
    trustsPaths: (paths: readonly string[]) => {
      calls.push(`verify ${paths.join(" ")}`);
      return Promise.resolve(o.signed === true);
    },
    deletePaths: (paths: readonly string[]) => {
      calls.push(`delete ${paths.join(" ")}`);
      if (o.deleteFails) return Promise.reject(new Error("cannot delete path: it is alive"));
      for (const p of paths) store.delete(p);
      return Promise.resolve([...paths]);
    },
    destination: "root@web",
    copy: (paths: readonly string[], options: { substitute: boolean }) => {
      calls.push(`ssh ${paths.join(" ")} substitute=${options.substitute}`);
      for (const p of paths) store.add(p);
      return Promise.resolve();
    },
    missingPaths: (paths: readonly string[]) =>
      o.queryFails
        ? Promise.reject(new Error("nix-store: command not found"))
        : Promise.resolve(paths.filter((p) => !store.has(p))),
    fetchFromCache: (url: string, paths: readonly string[]) => {
      calls.push(`fetch ${url} ${paths.join(" ")}`);
      for (const p of o.fetchable) store.add(p);
      return Promise.resolve({ code: 0, timedOut: false });
    },
  } as unknown as Host;
  return { host, calls };
}

async function copy(
  plan: ProfilePlan[],
  host: Host,
  store: CacheStore,
): Promise<DeployEventInput[]> {
  const events: DeployEventInput[] = [];
  const cc = new CacheCopy(plan, HELPER, (e) => events.push(e), store);
  const paths = [HELPER, ...plan.map((p) => p.path)];
  await cc.copy(host, plan, paths, { substitute: true, checkSigs: false, node: plan[0].node });
  for (const e of events) DeployEventSchema.parse({ ...e, time: "t" });
  return events;
}
const transfer = (events: DeployEventInput[]) => events.find((e) => e.type === "transfer");

Deno.test("cache copy: counts what came from the cache and what over SSH, with bytes", () => {
  const sizes = new Map([["/a", 10], ["/b", 20], ["/c", 40]]);
  assert.deepEqual(transferOf(sizes, ["/a", "/b", "/c"], ["/c"]), {
    fromCache: { paths: 2, bytes: 30 },
    overSsh: { paths: 1, bytes: 40 },
  });
  assert.deepEqual(transferOf(sizes, [], []), {
    fromCache: { paths: 0, bytes: 0 },
    overSsh: { paths: 0, bytes: 0 },
  });
});

Deno.test("cache copy: uploaded once per cache for every node, with the helper; the host fetches, SSH copies nothing new", async () => {
  const { store, uploads } = fakeStore();
  const plan = [cached("web"), cached("db"), cached("lan", { binaryCache: false })];
  const events: DeployEventInput[] = [];
  const cc = new CacheCopy(plan, HELPER, (e) => events.push(e), store);
  assert.deepEqual(uploads, [["s3://fleet", HELPER, "/nix/store/p-web", "/nix/store/p-db"]]);
  const { host, calls } = fakeHost({ fetchable: [HELPER, "/nix/store/p-web"] });
  await cc.copy(host, [plan[0]], [HELPER, "/nix/store/p-web"], {
    substitute: true,
    checkSigs: false,
    node: "web",
  });
  assert.deepEqual(calls, [
    `fetch https://fleet.example ${HELPER} /nix/store/p-web`,
    `ssh ${HELPER} /nix/store/p-web substitute=true`,
  ]);
  assert.deepEqual(transfer(events), {
    type: "transfer",
    node: "web",
    cache: "https://fleet.example",
    fromCache: { paths: 2, bytes: 200 },
    overSsh: { paths: 0, bytes: 0 },
  });
});

Deno.test("cache copy: what the host could not fetch comes over SSH, and the node says it fell back", async () => {
  const { host, calls } = fakeHost({ fetchable: [HELPER] });
  const t = transfer(await copy([cached("web")], host, fakeStore().store));
  assert.equal(calls.length, 2);
  assert.ok(t?.type === "transfer");
  assert.deepEqual([t.fromCache.paths, t.overSsh], [1, { paths: 1, bytes: 100 }]);
  assert.match(t.fellBack!, /1 of 2 paths did not come from https:\/\/fleet.example/);
});

Deno.test("cache copy: a failed upload skips the fetch; everything over SSH, with the reason", async () => {
  const { host, calls } = fakeHost({ fetchable: [HELPER, "/nix/store/p-web"] });
  const events = await copy([cached("web")], host, fakeStore({ uploadFails: true }).store);
  assert.deepEqual(calls, [`ssh ${HELPER} /nix/store/p-web substitute=true`]);
  const warning = events.find((e) => e.type === "warning");
  assert.match(warning?.type === "warning" ? warning.message : "", /403 Forbidden/);
  const t = transfer(events);
  assert.ok(t?.type === "transfer");
  assert.deepEqual(t.overSsh, { paths: 2, bytes: 200 });
  assert.equal(t.fellBack, "uploading to s3://fleet failed");
});

Deno.test("cache copy: a host that cannot say what it has still gets everything over SSH", async () => {
  const { host, calls } = fakeHost({ fetchable: [], queryFails: true });
  const t = transfer(await copy([cached("web")], host, fakeStore().store));
  assert.deepEqual(calls, [`ssh ${HELPER} /nix/store/p-web substitute=true`]);
  assert.ok(t?.type === "transfer");
  assert.match(t.fellBack!, /command not found/);
});

Deno.test("cache copy: a host that has everything fetches nothing", async () => {
  const { host, calls } = fakeHost({ fetchable: [], has: [HELPER, "/nix/store/p-web"] });
  const t = transfer(await copy([cached("web")], host, fakeStore().store));
  assert.deepEqual(calls, [`ssh ${HELPER} /nix/store/p-web substitute=true`]);
  assert.ok(t?.type === "transfer" && t.fellBack === undefined);
});

Deno.test("cache copy: without a cache (or with fastConnection) only SSH, and no transfer event", async () => {
  for (const plan of [[planOf("web")], [cached("web", { fastConnection: true })]]) {
    const { host, calls } = fakeHost({ fetchable: [HELPER] });
    const { store, uploads } = fakeStore();
    const events = await copy(plan, host, store);
    assert.deepEqual(uploads, []);
    assert.equal(calls.length, 1);
    assert.ok(calls[0].startsWith("ssh "));
    assert.equal(transfer(events), undefined);
  }
});

Deno.test("cache copy: when SSH fails too, the node's error names the cache's reason", async () => {
  const { host } = fakeHost({ fetchable: [] });
  (host as { copy: unknown }).copy = () =>
    Promise.reject(new Error("copying to root@web failed: lacks a valid signature"));
  await assert.rejects(
    copy([cached("web")], host, fakeStore().store),
    /lacks a valid signature\n\(not from the binary cache: 2 of 2 paths did not come/,
  );
});

Deno.test("cache copy: after one node's fetch reached the time limit, later nodes do not wait on that cache", async () => {
  const events: DeployEventInput[] = [];
  const plan = [cached("web"), cached("db")];
  const cc = new CacheCopy(plan, HELPER, (e) => events.push(e), fakeStore().store);
  const hanging = fakeHost({ fetchable: [] });
  (hanging.host as { fetchFromCache: unknown }).fetchFromCache = () =>
    Promise.resolve({ code: 124, timedOut: true });
  const o = { substitute: true, checkSigs: false };
  await cc.copy(hanging.host, [plan[0]], [HELPER, plan[0].path], { ...o, node: "web" });
  const next = fakeHost({ fetchable: [HELPER, plan[1].path] });
  await cc.copy(next.host, [plan[1]], [HELPER, plan[1].path], { ...o, node: "db" });
  assert.deepEqual(next.calls, [`ssh ${HELPER} /nix/store/p-db substitute=true`]);
  const [web, db] = events.filter((e) => e.type === "transfer");
  assert.ok(web.type === "transfer" && db.type === "transfer");
  assert.match(web.fellBack!, /took over 300s/);
  assert.match(db.fellBack!, /took over 300s on web/);
});

Deno.test("cache copy: paths a host fetched with other contents than the deployer's are removed and come over SSH, with a warning", async () => {
  const p = "/nix/store/p-web";
  const { host, calls } = fakeHost({ fetchable: [HELPER, p], forged: [p] });
  const events = await copy([cached("web")], host, fakeStore().store);
  assert.deepEqual(calls, [
    `fetch https://fleet.example ${HELPER} ${p}`,
    `verify ${p}`,
    `delete ${p}`,
    `ssh ${HELPER} ${p} substitute=true`,
  ]);
  const t = transfer(events);
  assert.ok(t?.type === "transfer");
  assert.deepEqual([t.fromCache.paths, t.overSsh.paths], [1, 1]);
  assert.match(
    t.fellBack!,
    /1 paths the host fetched from https:\/\/fleet.example have other contents/,
  );
  const warning = events.find((e) => e.type === "warning");
  assert.ok(warning?.type === "warning" && warning.node === "web");
  assert.match(warning.message, /other contents than the deployer's/);
});

Deno.test("cache copy: fetched paths that cannot be checked, or removed when they differ, fail the node before SSH", async () => {
  const p = "/nix/store/p-web";
  const cases = [
    [{ hashFails: true }, /could not check what the host fetched from https:\/\/fleet.example/],
    [
      { forged: [p], deleteFails: true },
      /removing them failed: cannot delete.*nix-store --delete \/nix\/store\/p-web/s,
    ],
  ] as const;
  for (const [o, message] of cases) {
    const { host, calls } = fakeHost({ fetchable: [HELPER, p], ...o });
    await assert.rejects(
      copy([cached("web")], host, fakeStore().store),
      (e: Error & { context?: { node?: string } }) =>
        message.test(e.message) && e.context?.node === "web",
    );
    assert.ok(!calls.some((c) => c.startsWith("ssh ")), calls.join("\n"));
  }
});

Deno.test("cache copy: fetched paths that differ but carry a signature the host trusts (a build that is not reproducible) are kept", async () => {
  const p = "/nix/store/p-web";
  const { host, calls } = fakeHost({ fetchable: [HELPER, p], forged: [p], signed: true });
  const events = await copy([cached("web")], host, fakeStore().store);
  assert.deepEqual(calls, [
    `fetch https://fleet.example ${HELPER} ${p}`,
    `verify ${p}`,
    `ssh ${HELPER} ${p} substitute=true`,
  ]);
  const t = transfer(events);
  assert.ok(t?.type === "transfer" && t.fellBack === undefined);
  assert.deepEqual([t.fromCache.paths, t.overSsh.paths], [2, 0]);
  assert.ok(
    events.some((e) => e.type === "log" && /signed by a key the host trusts: kept/.test(e.line)),
  );
});
