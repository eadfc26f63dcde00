/**
 * How to activate a profile: the entry point it carries, and the
 * environment deploy-rs gives it (`PROFILE`, `DRY_ACTIVATE`, `BOOT`, working
 * directory = the profile). Profiles made by deploy-rs's lib and plain NixOS
 * systems activate too, so rolling back to a generation that deploy-rs or
 * nixos-rebuild made works (deploy-rs #86).
 */
import { join } from "../shared/posix_path.ts";
import type { ActivationGoal } from "../shared/vocabulary.ts";

export interface ActivationCommand {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
}

/** The entry points deploy-ts looks for, in order. */
export const ENTRY_NAMES = [
  "deploy-ts-activate",
  "deploy-rs-activate",
  "bin/switch-to-configuration",
] as const;

/** The command that activates the profile at `dir`, or undefined when it has no entry point. */
export function activationCommand(
  dir: string,
  goal: ActivationGoal,
  exists: (path: string) => boolean,
): ActivationCommand | undefined {
  const env = {
    PROFILE: dir,
    DRY_ACTIVATE: goal === "dry-activate" ? "1" : "0",
    BOOT: goal === "boot" ? "1" : "0",
  };
  for (const name of ENTRY_NAMES) {
    const path = join(dir, name);
    if (!exists(path)) continue;
    const argv = name === "bin/switch-to-configuration" ? [path, goal] : [path];
    return { argv, env, cwd: dir };
  }
  return undefined;
}
