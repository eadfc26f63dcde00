# The stand-in nixpkgs as a plain attribute set, for non-flake builds:
#   { legacyPackages.<system> = stand-in pkgs; }
{ repo ? toString ../.. }:
let
  systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
  denoSource = builtins.path { path = /. + "${repo}/node_modules/@deno/linux-x64-glibc"; name = "deno"; };
in
{
  legacyPackages = builtins.listToAttrs (map (system: {
    name = system;
    value = import ./stand-in-pkgs.nix { inherit system denoSource; nodeModules = "${repo}/node_modules"; };
  }) systems);
}
