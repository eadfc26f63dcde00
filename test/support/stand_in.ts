/**
 * A stand-in nixpkgs flake (see test/nix/stand-in-pkgs.nix), for evaluating
 * and building the real flake.nix with `--override-input nixpkgs`.
 */
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { writeTree } from "./flake.ts";
import { REPO_ROOT } from "./testbed.ts";
import { nixStringLiteral } from "../../src/nix/nix_string.ts";

let standIn: string | undefined;

/** The directory of the stand-in nixpkgs flake (made once per test process). */
export function standInNixpkgs(): string {
  if (standIn) return standIn;
  const nodeModules = join(REPO_ROOT, "node_modules");
  const dir = writeTree({
    "flake.nix": `{
  inputs.deno = { url = ${
      nixStringLiteral(`path:${nodeModules}/@deno/linux-x64-glibc`)
    }; flake = false; };
  outputs = { self, deno }: {
    legacyPackages = builtins.listToAttrs (map (system: {
      name = system;
      value = import ./stand-in-pkgs.nix { inherit system; denoSource = deno; nodeModules = ${
      nixStringLiteral(nodeModules)
    }; };
    }) [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ]);
  };
}`,
  }, "deploy-ts-stand-in-");
  copyFileSync(join(REPO_ROOT, "test", "nix", "stand-in-pkgs.nix"), join(dir, "stand-in-pkgs.nix"));
  standIn = dir;
  return dir;
}

/** Arguments that make Nix use the stand-in for deploy-ts's nixpkgs input. */
export function overrideNixpkgs(): string[] {
  return ["--override-input", "nixpkgs", `path:${standInNixpkgs()}`, "--no-write-lock-file"];
}
