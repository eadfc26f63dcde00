/** Closures and their sizes, from `nix path-info --json -r` (never its text output). */
import type { StoreTarget } from "./store_target.ts";
import { DeployError } from "../shared/errors.ts";
import { lastLines, run } from "../process/run.ts";
import { nixArgv } from "./nix_command.ts";

/**
 * Store path → NAR size, from either JSON shape of `nix path-info --json`:
 * a list of `{path, narSize}` (Nix up to 2.18) or an object keyed by path
 * (later releases).
 */
export function parsePathInfo(json: unknown): Map<string, number> {
  const sizes = new Map<string, number>();
  if (Array.isArray(json)) {
    for (const i of json) if (i?.path && i.valid !== false) sizes.set(i.path, i.narSize ?? 0);
  } else if (json && typeof json === "object") {
    for (const [path, i] of Object.entries(json as Record<string, { narSize?: number } | null>)) {
      if (i) sizes.set(path, i.narSize ?? 0);
    }
  }
  return sizes;
}

/** The closure of `paths` in a store (local by default), with sizes. */
export async function closureSizes(
  paths: readonly string[],
  store?: StoreTarget,
): Promise<Map<string, number>> {
  if (paths.length === 0) return new Map();
  const r = await run(
    nixArgv(
      false,
      "path-info",
      "--json",
      "--recursive",
      ...(store ? ["--store", store.uri] : []),
      ...paths,
    ),
    { env: store?.env ?? {} },
  );
  if (r.code !== 0) throw new DeployError(`nix path-info failed: ${lastLines(r.stderr, 5)}`);
  return parsePathInfo(JSON.parse(r.stdout));
}
