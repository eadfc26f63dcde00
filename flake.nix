{
  description = "deploy-ts: deploy Nix profiles to remote machines over SSH (the TypeScript successor of deploy-rs)";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixpkgs-unstable";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      forAllSystems = f: builtins.listToAttrs (map (system: { name = system; value = f system; }) systems);
      version = (builtins.fromJSON (builtins.readFile ./package.json)).version;
      # Everything in nix/ takes only the pkgs attributes it names.
      deployTsFor = pkgs: import ./nix { inherit pkgs version; src = self; };
      perSystem = forAllSystems (system: deployTsFor nixpkgs.legacyPackages.${system});
    in
    {
      overlays.default = final: _prev: {
        deploy-ts = (deployTsFor final).package;
      };

      packages = forAllSystems (system: {
        default = perSystem.${system}.package;
        deploy-ts = perSystem.${system}.package;
      });

      apps = forAllSystems (system: {
        default = {
          type = "app";
          program = "${perSystem.${system}.package}/bin/deploy";
        };
      });

      # lib.<system>.activate.{custom,nixos,home-manager,darwin,noop} and deployChecks.
      lib = forAllSystems (system: perSystem.${system}.lib);

      checks = forAllSystems (system: {
        unit-tests = perSystem.${system}.unitTests;
        package = perSystem.${system}.package;
      });

      devShells = forAllSystems (system:
        let pkgs = nixpkgs.legacyPackages.${system}; in {
          default = pkgs.mkShell {
            packages = [ pkgs.deno pkgs.nodejs pkgs.nix pkgs.openssh pkgs.esbuild ];
          };
        });

      formatter = forAllSystems (system: nixpkgs.legacyPackages.${system}.nixfmt-rfc-style);
    };
}
