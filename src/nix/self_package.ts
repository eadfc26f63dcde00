/**
 * The helper that runs on hosts is the deployer's own package, copied with
 * the profiles, so the two always speak the same protocol. Run from its
 * package, deploy-ts knows it; run from a checkout, it first puts the bundle
 * and the runtime executing it into the local store.
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { DeployError } from "../shared/errors.ts";
import { lastLines, run } from "../process/run.ts";
import { VERSION } from "../shared/version.ts";
import { nixStringLiteral } from "./nix_string.ts";
import { denoRuntime } from "../process/runtime.ts";

let cached: Promise<string> | undefined;

/** The Deno binary: this process's, or under Node the one npm installed beside the checkout. */
function denoBinary(checkout: string): string | undefined {
  const deno = denoRuntime;
  if (deno) return deno.execPath();
  const platforms = join(checkout, "node_modules", "@deno");
  try {
    return readdirSync(platforms).map((p) => join(platforms, p, "deno")).find((p) => existsSync(p));
  } catch {
    return undefined;
  }
}

/** The store path of a deploy-ts package whose `bin/deploy` is this program. */
export function selfPackage(): Promise<string> {
  cached ??= findOrBuild();
  return cached;
}

async function findOrBuild(): Promise<string> {
  const bin = process.env.DEPLOY_TS_BIN;
  if (bin?.startsWith("/nix/store/")) return dirname(dirname(bin));
  const here = fileURLToPath(import.meta.url);
  const bundle = here.endsWith(".mjs")
    ? here
    : join(dirname(here), "..", "..", "dist", "deploy.mjs");
  if (!existsSync(bundle)) {
    throw new DeployError(`${bundle} does not exist; run scripts/build first`);
  }
  const runtime = denoBinary(join(dirname(bundle), ".."));
  if (!runtime) {
    throw new DeployError(
      "the on-host helper needs Deno: run deploy-ts with deno, from its Nix package, or from a checkout after npm ci",
    );
  }
  const key = packageKey(runtime, bundle);
  const known = readCache()[key];
  if (known?.startsWith("/nix/store/") && existsSync(join(known, "bin", "deploy"))) return known;
  const out = await addToStore(runtime, bundle);
  writeCache(key, out);
  return out;
}

/**
 * What the package is made of, cheaply: the runtime by its file identity (it
 * is 95 MB; hashing it through `builtins.path` costs half a second of CPU on
 * every run), the bundle by its content (rebuilt often, usually the same).
 */
function packageKey(runtime: string, bundle: string): string {
  const r = statSync(runtime);
  const bundleHash = createHash("sha256").update(readFileSync(bundle)).digest("hex");
  return [VERSION, runtime, r.size, r.mtimeMs, r.ino, bundleHash].join(":");
}

function cacheFile(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "deploy-ts", "self-package.json");
}

function readCache(): Record<string, string> {
  try {
    const parsed = JSON.parse(readFileSync(cacheFile(), "utf8"));
    return parsed !== null && typeof parsed === "object" ? parsed : {};
  } catch {
    return {};
  }
}

/** Best effort: a cache that cannot be written only costs the next run its half second. */
function writeCache(key: string, storePath: string): void {
  try {
    const file = cacheFile();
    mkdirSync(dirname(file), { recursive: true });
    // A few recent checkouts' entries, newest last.
    const entries = Object.entries({ ...readCache(), [key]: storePath })
      .filter(([k]) => k !== key).slice(-7);
    entries.push([key, storePath]);
    const tmp = `${file}.${process.pid}`;
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(entries)));
    renameSync(tmp, file);
  } catch {
    // ignored: see above
  }
}

async function addToStore(runtime: string, bundle: string): Promise<string> {
  // The same launcher as nix/package.nix's (the bundle cannot read nix/ at
  // run time): keep the Deno flags of the two alike.
  const script = [
    "mkdir -p $out/bin",
    `printf '%s\\n' '#!/bin/sh' "export DEPLOY_TS_BIN=$out/bin/deploy DENO_NO_UPDATE_CHECK=1" ` +
    `"exec $runtime run --quiet --allow-all --no-config --no-lock $bundle \\"\\$@\\"" > $out/bin/deploy`,
    "chmod +x $out/bin/deploy",
  ].join("\n");
  const expr = `builtins.derivation {
    name = "deploy-ts-${VERSION}";
    system = builtins.currentSystem;
    builder = "/bin/sh";
    PATH = "/usr/bin:/bin";
    runtime = builtins.path { path = ${nixStringLiteral(runtime)}; name = "deno"; };
    bundle = builtins.path { path = ${nixStringLiteral(bundle)}; name = "deploy.mjs"; };
    args = [ "-c" ${nixStringLiteral(script)} ];
  }`;
  const r = await run(["nix-build", "--no-out-link", "-E", expr]);
  if (r.code !== 0) {
    throw new DeployError(
      `putting deploy-ts into the local store failed: ${lastLines(r.stderr, 10)}`,
    );
  }
  return r.stdout.trim();
}
