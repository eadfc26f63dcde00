/**
 * Closures through a binary cache: the deployer uploads them once
 * (`nix copy --to`), each host fetches what it lacks with the cache as an
 * extra substituter for that one command. The argv here are pure; the host's
 * commands run over whatever transport the Host has.
 */
import { lastLines, run } from "../process/run.ts";
import { nixArgv } from "./nix_command.ts";
import { closureSizes, parsePathInfo } from "./closure.ts";
import { signWithLocalKey } from "./copy.ts";

/** Seconds a host's fetch may take before it gives up (and the rest comes over SSH). */
export const FETCH_LIMIT_SECONDS = 300;

/**
 * The host's fetch: `nix-store --realise` (every Nix from 2.0 to today) of
 * the paths, the cache added to the host's substituters for this command
 * only. Signature checks stay the host's (its trusted-public-keys). Bounded
 * on the host by coreutils' `timeout`; a cache that is down fails within
 * Nix's connect timeout, and a lookup that failed on an earlier run is not
 * remembered (`narinfo-cache-negative-ttl 0`: the path may be there now).
 */
export function hostFetchArgv(url: string, paths: readonly string[]): string[] {
  const option = (name: string, value: string) => ["--option", name, value];
  return [
    "timeout",
    "-k",
    "5",
    String(FETCH_LIMIT_SECONDS),
    "nix-store",
    "--realise",
    "--keep-going",
    ...option("extra-substituters", url),
    ...option("connect-timeout", "5"),
    ...option("stalled-download-timeout", "15"),
    ...option("narinfo-cache-negative-ttl", "0"),
    ...paths,
  ];
}

/**
 * Seconds the upload may take: every node of the cache waits for it, so a
 * cache that hangs must not hold the deployment; after this the upload stops
 * and the nodes copy over SSH.
 */
export const UPLOAD_LIMIT_SECONDS = 900;

/** The exit status of `timeout` when the limit was reached. */
export const FETCH_TIMED_OUT = 124;

/**
 * `head` followed by the paths, in commands short enough for one remote
 * shell argument (Linux: 128 KiB).
 */
function chunkedArgvs(head: string[], paths: readonly string[], maxChars: number): string[][] {
  const argvs: string[][] = [];
  let current: string[] = [];
  let length = 0;
  for (const p of paths) {
    if (current.length > 0 && length + p.length + 1 > maxChars) {
      argvs.push([...head, ...current]);
      current = [];
      length = 0;
    }
    current.push(p);
    length += p.length + 1;
  }
  if (current.length > 0) argvs.push([...head, ...current]);
  return argvs;
}

/** `nix-store --check-validity --print-invalid` over the paths, each command printing the paths the host lacks. */
export function invalidPathsArgvs(paths: readonly string[], maxChars = 64_000): string[][] {
  return chunkedArgvs(["nix-store", "--check-validity", "--print-invalid"], paths, maxChars);
}

/**
 * `nix-store --query --hash` over the paths: each one's NAR hash as the store
 * recorded it, one line per path in order (`sha256:` and Nix's base 32, in
 * every Nix from 2.0 to today; the same command on both ends compares alike).
 */
export function narHashArgvs(paths: readonly string[], maxChars = 64_000): string[][] {
  return chunkedArgvs(["nix-store", "--query", "--hash"], paths, maxChars);
}

/** Path → NAR hash from one `narHashArgvs` command's output; throws unless a line per path. */
export function parseNarHashes(paths: readonly string[], stdout: string): Map<string, string> {
  const lines = stdout.split("\n").map((l) => l.trim()).filter(Boolean);
  if (lines.length !== paths.length || !lines.every((l) => /^[a-z0-9]+:\S+$/.test(l))) {
    throw new Error(`expected ${paths.length} NAR hashes, got: ${stdout.slice(0, 200)}`);
  }
  return new Map(paths.map((p, i) => [p, lines[i]]));
}

/**
 * `nix store verify --no-contents`: exits 0 when every path is trusted by
 * the store's own rules (built there, or signed by a key in its
 * trusted-public-keys), the same rules on Nix 2.8 and 2.26.
 */
export function trustedPathsArgvs(paths: readonly string[], maxChars = 64_000): string[][] {
  return chunkedArgvs(nixArgv(false, "store", "verify", "--no-contents"), paths, maxChars);
}

/**
 * `nix-store --query --referrers-closure`: the paths and every valid path
 * that refers to them, directly or not (what must go with them).
 */
export function referrersArgv(paths: readonly string[]): string[] {
  return ["nix-store", "--query", "--referrers-closure", ...paths];
}

/** `nix-store --delete` of paths nothing outside them refers to, nor any root keeps alive. */
export function deletePathsArgv(paths: readonly string[]): string[] {
  return ["nix-store", "--delete", ...paths];
}

/** Path → NAR hash, running `narHashArgvs` through `runArgv` (locally or on a host). */
export async function queryNarHashes(
  paths: readonly string[],
  runArgv: (argv: string[]) => Promise<{ code: number | null; stdout: string; stderr: string }>,
): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  for (const argv of narHashArgvs(paths)) {
    const r = await runArgv(argv);
    if (r.code !== 0) throw new Error(`nix-store --query --hash failed: ${lastLines(r.stderr, 5)}`);
    for (const [p, h] of parseNarHashes(argv.slice(3), r.stdout)) hashes.set(p, h);
  }
  return hashes;
}

/** What an upload did: the closure's paths the cache lacked, now sent. */
export interface UploadReport {
  paths: number;
  bytes: number;
}

/** The deployer's side: its closures' sizes, and the upload. */
export interface CacheStore {
  /** The closure of `paths` in the deployer's store: path → NAR size. */
  closure(paths: readonly string[]): Promise<Map<string, number>>;
  /** Path → NAR hash in the deployer's store, to compare with what a host fetched. */
  narHashes(paths: readonly string[]): Promise<Map<string, string>>;
  /** Copy the closures to the cache; throws with Nix's message when it cannot. */
  upload(
    store: string,
    paths: readonly string[],
    onLine?: (l: string) => void,
  ): Promise<UploadReport>;
}

export const nixCacheStore: CacheStore = {
  closure: (paths) => closureSizes(paths),
  narHashes: (paths) => queryNarHashes(paths, (argv) => run(argv)),
  async upload(store, paths, onLine) {
    await signWithLocalKey(paths, {});
    const closure = await closureSizes(paths);
    // What the cache has already (its JSON: valid paths only, as in closure.ts).
    const timeoutMs = UPLOAD_LIMIT_SECONDS * 1000;
    const there = await run(
      nixArgv(false, "path-info", "--json", "--store", store, ...closure.keys()),
      { timeoutMs: 120_000 },
    );
    const present = there.code === 0 ? parsePathInfo(JSON.parse(there.stdout)) : new Map();
    const r = await run(nixArgv(false, "copy", "--to", store, ...paths), {
      onStderrLine: onLine,
      timeoutMs,
    });
    if (r.timedOut) throw new Error(`stopped after ${UPLOAD_LIMIT_SECONDS}s`);
    if (r.code !== 0) throw new Error(lastLines(r.stderr, 5) || `nix copy exited ${r.code}`);
    const sent = [...closure].filter(([p]) => !present.has(p));
    return { paths: sent.length, bytes: sent.reduce((sum, [, size]) => sum + size, 0) };
  },
};
