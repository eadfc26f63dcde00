/**
 * Closures through a binary cache (README, "Large fleets"): every closure
 * that goes through a cache, and the helper, is uploaded once per run, as
 * soon as the build is over and while the hosts are logged in to; then each
 * node's host fetches what it lacks from the cache itself, and whatever it
 * did not fetch is copied over SSH as without a cache. A cache that fails in
 * any way costs a bounded wait and is named (`fellBack`), never the node.
 */
import type { ProfilePlan } from "../config/plan.ts";
import { type BinaryCache, cacheOf } from "../config/binary_cache.ts";
import type { Host } from "../host/host.ts";
import type { CopyOptions } from "../nix/copy.ts";
import { type CacheStore, FETCH_LIMIT_SECONDS, nixCacheStore } from "../nix/binary_cache.ts";
import type { Amount, DeployEventInput } from "../shared/events.ts";
import { DeployError } from "../shared/errors.ts";

type HostCopyOptions = Omit<CopyOptions, "context"> & { node: string };

/** What came from the cache and what over SSH, from what the host lacked before and after its fetch. */
export function transferOf(
  sizes: ReadonlyMap<string, number>,
  missingBefore: readonly string[],
  missingAfter: readonly string[],
): { fromCache: Amount; overSsh: Amount } {
  const after = new Set(missingAfter);
  const amount = (paths: string[]) => ({
    paths: paths.length,
    bytes: paths.reduce((sum, p) => sum + (sizes.get(p) ?? 0), 0),
  });
  return {
    fromCache: amount(missingBefore.filter((p) => !after.has(p))),
    overSsh: amount([...after]),
  };
}

const sameCache = (a: BinaryCache, b: BinaryCache) => a.upload === b.upload && a.url === b.url;

/** One run's uploads, and each node's copy through its cache. */
export class CacheCopy {
  /** Upload URI → undefined once uploaded, or why it could not be. */
  readonly #uploads = new Map<string, Promise<string | undefined>>();
  /**
   * URL → the node whose fetch from it reached the time limit: a cache that
   * accepts connections and never answers holds a fetch until that limit
   * (Nix's stall timeout does not end it), so later nodes do not wait again.
   */
  readonly #hung = new Map<string, string>();

  /** Starts the uploads of the profiles' closures (built ones only) and the helper. */
  constructor(
    plan: readonly ProfilePlan[],
    readonly helper: string,
    readonly emit: (event: DeployEventInput) => void,
    readonly store: CacheStore = nixCacheStore,
  ) {
    const byUpload = new Map<string, Set<string>>();
    for (const p of plan) {
      const cache = cacheOf(p.settings);
      if (!cache || p.settings.remoteBuild) continue;
      const paths = byUpload.get(cache.upload) ?? new Set([helper]);
      byUpload.set(cache.upload, paths.add(p.path));
    }
    for (const [upload, paths] of byUpload) {
      this.#uploads.set(upload, this.#upload(upload, [...paths]));
    }
  }

  async #upload(upload: string, paths: string[]): Promise<string | undefined> {
    this.emit({
      type: "log",
      source: "nix",
      line: `uploading ${paths.length} closures to ${upload}`,
    });
    try {
      const sent = await this.store.upload(upload, paths);
      this.emit({
        type: "log",
        source: "nix",
        line: `uploaded to ${upload}: ${sent.paths} new paths (${sent.bytes} bytes)`,
      });
      return undefined;
    } catch (e) {
      const why = `uploading to ${upload} failed`;
      this.emit({
        type: "warning",
        message: `${why}, so its nodes copy over SSH: ${(e as Error).message}`,
      });
      return why;
    }
  }

  /**
   * Copy `paths` (the helper and the profiles built here) to the host of
   * `profiles`: through the first profile's cache when there is one, then
   * over SSH.
   */
  async copy(
    host: Host,
    profiles: readonly ProfilePlan[],
    paths: readonly string[],
    options: HostCopyOptions,
  ): Promise<void> {
    const cached = profiles.filter((p) => cacheOf(p.settings) && !p.settings.remoteBuild);
    const cache = cached.length ? cacheOf(cached[0].settings)! : undefined;
    if (
      !cache || !host.missingPaths || !host.fetchFromCache || !host.narHashes ||
      !host.trustsPaths || !host.deletePaths
    ) {
      return await host.copy(paths, options);
    }
    const through = [
      this.helper,
      ...cached.filter((p) => sameCache(cacheOf(p.settings)!, cache)).map((p) => p.path),
    ];
    let sizes = new Map<string, number>();
    let before: string[] | undefined;
    let after: string[] | undefined;
    let fellBack: string | undefined;
    let fetchRan = false;
    try {
      const failedUpload = await this.#uploads.get(cache.upload);
      sizes = await this.store.closure(through);
      before = await host.missingPaths([...sizes.keys()]);
      const hungOn = this.#hung.get(cache.url);
      if (before.length > 0 && failedUpload) fellBack = failedUpload;
      else if (before.length > 0 && hungOn !== undefined) {
        fellBack =
          `not fetched: the fetch from ${cache.url} took over ${FETCH_LIMIT_SECONDS}s on ${hungOn}`;
      } else if (before.length > 0) {
        fetchRan = true;
        const fetched = await host.fetchFromCache(cache.url, through, options.onLine);
        if (fetched.timedOut) this.#hung.set(cache.url, options.node);
        after = await host.missingPaths(before);
        if (after.length > 0) {
          fellBack = fetched.timedOut
            ? `the fetch from ${cache.url} took over ${FETCH_LIMIT_SECONDS}s`
            : `${after.length} of ${before.length} paths did not come from ${cache.url} ` +
              "(unreachable, not there, not signed by a key the host trusts, or the SSH user " +
              "may not add substituters)";
        }
      }
    } catch (e) {
      fellBack = (e as Error).message;
    }
    if (fetchRan && before) {
      const forged = await this.#checkFetched(host, before, after, cache.url, options.node);
      if (forged) {
        [fellBack, after] = [forged.why, [...new Set([...after ?? [], ...forged.removed])]];
      }
    }
    // Not asked (a failure): what the host lacked, else the whole closure, came over SSH.
    after ??= before ?? [...sizes.keys()];
    try {
      await host.copy(paths, options);
    } catch (e) {
      if (!fellBack) throw e;
      throw new DeployError(`${(e as Error).message}\n(not from the binary cache: ${fellBack})`, {
        node: options.node,
      });
    }
    this.emit({
      type: "transfer",
      node: options.node,
      cache: cache.url,
      ...transferOf(sizes, before ?? after, after),
      ...(fellBack ? { fellBack } : {}),
    });
  }

  /**
   * What the host fetched must be what the deployer has: a host that does
   * not check signatures (`require-sigs = false`) takes whatever the cache
   * serves under a path's name, where SSH would have copied the deployer's.
   * When a NAR hash differs, that path and what refers to it are removed
   * again, so that SSH copies the deployer's: returns why, and what went.
   * Unless a key the host trusts signed what differs: another build of a
   * path that does not build reproducibly, as the host's own substituters
   * might give it, is kept.
   * When the host cannot be checked or cleaned, the node fails before
   * anything of it runs.
   */
  async #checkFetched(
    host: Host,
    before: readonly string[],
    after: readonly string[] | undefined,
    url: string,
    node: string,
  ): Promise<{ why: string; removed: string[] } | undefined> {
    let fetched: string[];
    let differ: string[];
    try {
      const still = new Set(after ?? await host.missingPaths!(before));
      fetched = before.filter((p) => !still.has(p));
      if (fetched.length === 0) return undefined;
      const [mine, theirs] = await Promise.all([
        this.store.narHashes(fetched),
        host.narHashes!(fetched),
      ]);
      differ = fetched.filter((p) => mine.get(p) === undefined || mine.get(p) !== theirs.get(p));
    } catch (e) {
      throw new DeployError(
        `could not check what the host fetched from ${url}: ${(e as Error).message}`,
        { node },
      );
    }
    if (differ.length === 0) return undefined;
    const other = `${differ.length} paths the host fetched from ${url} have other contents ` +
      "than the deployer's (other NAR hashes)";
    // Another build of a path that does not build reproducibly, signed by a key the host
    // trusts: what the host's own substituters could have given it too.
    if (await host.trustsPaths!(differ).catch(() => false)) {
      this.emit({
        type: "log",
        node,
        source: "nix",
        line: `${other}, signed by a key the host trusts: kept`,
      });
      return undefined;
    }
    const what = `${other}, and no key the host trusts signed them (the host does not check ` +
      "signatures?)";
    let removed: string[];
    try {
      removed = await host.deletePaths!(differ);
    } catch (e) {
      throw new DeployError(
        `${what}, and removing them failed: ${(e as Error).message}\nNothing was activated; ` +
          `remove them on the host: nix-store --delete ${differ.join(" ")}`,
        { node },
      );
    }
    this.emit({ type: "warning", node, message: `${what}: removed, copied over SSH instead` });
    return { why: `${what}: removed, copied over SSH`, removed };
  }
}
