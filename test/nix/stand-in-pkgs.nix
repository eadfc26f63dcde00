# A stand-in for the nixpkgs attributes deploy-ts's nix/ uses, for machines
# with no nixpkgs and no network. Builds run the host's shell (Debian's Nix
# builds without a sandbox), Deno is the binary from node_modules, and npm
# packages are this checkout's node_modules: esbuild and deno test really
# run inside the Nix builds.
{ system ? builtins.currentSystem, denoSource, nodeModules }:
rec {
  inherit system;
  runtimeShell = "/bin/sh";

  runCommand = name: env: script:
    builtins.derivation (env // {
      inherit name system;
      builder = "/bin/sh";
      # stdenv runs build scripts with errexit; so does the stand-in.
      args = [ "-c" "set -e\n${script}" ];
      PATH = "/usr/bin:/bin";
    });

  deno = runCommand "deno-stand-in" { src = denoSource; } ''
    mkdir -p $out/bin && cp $src/deno $out/bin/deno
  '';

  nodejs = runCommand "nodejs-stand-in" { } "mkdir -p $out/bin && ln -s /usr/bin/node $out/bin/node";

  # importNpmLock's dependencies are node_modules itself here.
  importNpmLock = { npmRoot }: nodeModules // { npmConfigHook = null; };

  buildNpmPackage = { pname, version, src, buildPhase, installPhase, ... }:
    runCommand "${pname}-${version}" { inherit src; } ''
      set -eu
      runHook() { :; }
      cp -r $src build && chmod -R u+w build && cd build
      ln -s ${nodeModules} node_modules
      export PATH=${nodeModules}/.bin:/usr/bin:/bin
      ${buildPhase}
      ${installPhase}
    '';

  mkShell = { packages ? [ ], ... }: runCommand "shell" { } "touch $out";
  nix = runCommand "nix-stand-in" { } "mkdir -p $out/bin && ln -s /usr/bin/nix $out/bin/nix";
  openssh = runCommand "openssh-stand-in" { } "mkdir -p $out/bin && ln -s /usr/bin/ssh $out/bin/ssh";
  esbuild = runCommand "esbuild-stand-in" { } "mkdir -p $out/bin && ln -s ${nodeModules}/.bin/esbuild $out/bin/esbuild";
  nixfmt-rfc-style = runCommand "nixfmt-stand-in" { } "mkdir -p $out/bin && ln -s /bin/true $out/bin/nixfmt";
}
