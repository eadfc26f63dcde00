/**
 * The deployer's own Nix store, as the pipeline uses it: build profiles,
 * keep GC roots, tell what is there, and provide deploy-ts's own package for
 * the hosts. One small interface, so the pipeline's policy can be tested
 * with a fake and without Nix.
 */
import { existsSync } from "node:fs";
import { addGcRoot, buildPaths, type BuildResult } from "./build.ts";
import { selfPackage } from "./self_package.ts";

export interface LocalStore {
  /** Build these derivations in one call; which outputs exist afterwards. */
  build(
    items: { drvPath: string; path: string }[],
    extraArgs: readonly string[],
    onLine?: (line: string) => void,
  ): Promise<BuildResult>;
  /** Whether a store path is in the local store. */
  has(path: string): boolean;
  /** A GC root at `link` for a store path (`--keep-result`). */
  addGcRoot(path: string, link: string): Promise<void>;
  /** The store path of deploy-ts's own package: the helper copied to hosts. */
  helperPackage(): Promise<string>;
}

export const nixLocalStore: LocalStore = {
  build: buildPaths,
  has: existsSync,
  addGcRoot,
  helperPackage: selfPackage,
};
