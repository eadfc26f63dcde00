# deploy-ts's package built with the stand-in pkgs, from dist/deploy.mjs.
{ repo ? ../.., denoBinary ? repo + "/node_modules/@deno/linux-x64-glibc/deno" }:
let
  pkgs = import ./stand-in-pkgs.nix { inherit denoBinary; };
  version = (builtins.fromJSON (builtins.readFile (repo + "/package.json"))).version;
in
import (repo + "/nix/package.nix") { inherit (pkgs) deno runCommand runtimeShell; } {
  inherit version;
  bundle = builtins.path { path = repo + "/dist/deploy.mjs"; name = "deploy.mjs"; };
}
