# deploy-ts for one system. `pkgs` needs only the attributes named in each
# file of nix/ (deno, runCommand, runtimeShell, buildNpmPackage,
# importNpmLock, nodejs): flake.nix passes nixpkgs, the tests a stand-in.
{ pkgs, src, version }:
let
  # What every npm build here shares: the source and its locked dependencies.
  npmArgs = {
    inherit version src;
    inherit (pkgs) nodejs;
    npmDeps = pkgs.importNpmLock { npmRoot = src; };
    npmConfigHook = pkgs.importNpmLock.npmConfigHook;
    dontNpmBuild = true;
    # No install scripts (nor `npm rebuild`'s): the bundle is built from the
    # pure-JS packages alone, as scripts/build makes it everywhere.
    npmFlags = [ "--ignore-scripts" ];
  };
  bundle = import ./bundle.nix { inherit (pkgs) buildNpmPackage; } npmArgs;
  package = import ./package.nix { inherit (pkgs) deno runCommand runtimeShell; } {
    inherit version;
    bundle = "${bundle}/deploy.mjs";
  };
in
{
  inherit bundle package;
  lib = import ./lib.nix { inherit (pkgs) runCommand runtimeShell; deploy-ts = package; };
  unitTests = import ./unit-tests.nix { inherit (pkgs) buildNpmPackage deno; } npmArgs;
}
