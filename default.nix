# For Nix without flakes: the flake's outputs through nix/flake-compat.nix
# (written here, no network), e.g.
#   nix-build -A packages.x86_64-linux.default
#   nix-build -A checks.x86_64-linux
# With no flake.lock, the nixpkgs input comes from `<nixpkgs>`; pass
# `--arg nixpkgs ...` to choose another.
{ nixpkgs ? null }:
let
  # The checkout without what git ignores (node_modules, dist), as a flake's `self` would be.
  src = builtins.path {
    path = ./.;
    name = "source";
    filter = path: _type: !builtins.elem (baseNameOf path) [ ".git" "node_modules" "dist" ".deploy-gc" "result" ];
  };
  flake = import ./flake.nix;
  lockFile = ./flake.lock;
  hasLock = builtins.pathExists lockFile;
  compat = (import ./nix/flake-compat.nix { inherit src; }).defaultNix;
  nixpkgsFlake =
    let p = if nixpkgs != null then nixpkgs else <nixpkgs>; in
    if builtins.isAttrs p && p ? legacyPackages then p
    else if builtins.pathExists (p + "/flake.nix") then (import ./nix/flake-compat.nix { src = p; }).defaultNix
    else { legacyPackages = builtins.listToAttrs (map (system: { name = system; value = import p { inherit system; }; }) [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ]); };
  self = flake.outputs { inherit self; nixpkgs = nixpkgsFlake; } // { outPath = src; };
in
if hasLock && nixpkgs == null then compat else self
