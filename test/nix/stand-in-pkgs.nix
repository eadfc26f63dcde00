# A stand-in for the few nixpkgs attributes deploy-ts's nix/ uses, for
# machines with no nixpkgs: builds run the host's shell, and Deno is the
# binary from node_modules.
{ system ? builtins.currentSystem, denoBinary }:
rec {
  inherit system;
  runtimeShell = "/bin/sh";
  runCommand = name: env: script:
    builtins.derivation (env // {
      inherit name system;
      builder = "/bin/sh";
      args = [ "-c" script ];
      PATH = "/usr/bin:/bin";
    });
  deno = runCommand "deno-stand-in" {
    src = builtins.path { path = denoBinary; name = "deno"; };
  } "mkdir -p $out/bin && cp $src $out/bin/deno";
}
