# deploy-ts for one system. `pkgs` needs only the attributes named in each
# file of nix/ (deno, runCommand, runtimeShell, buildNpmPackage,
# importNpmLock, nodejs): flake.nix passes nixpkgs, the tests a stand-in.
{ pkgs, src, version }:
let
  npm = { inherit (pkgs) buildNpmPackage importNpmLock nodejs; };
  bundle = import ./bundle.nix npm { inherit src version; };
  package = import ./package.nix { inherit (pkgs) deno runCommand runtimeShell; } {
    inherit version;
    bundle = "${bundle}/deploy.mjs";
  };
in
{
  inherit bundle package;
  lib = import ./lib.nix { inherit (pkgs) runCommand runtimeShell; deploy-ts = package; };
  unitTests = import ./unit-tests.nix (npm // { inherit (pkgs) deno; }) { inherit src version; };
}
