# deploy-ts's package, built by nix/ with the stand-in pkgs (no flakes needed).
let
  repo = import ../../default.nix { nixpkgs = import ./stand-in.nix { }; };
in
repo.packages.${builtins.currentSystem}.default
