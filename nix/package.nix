# The deploy-ts package: the one-file bundle, run by Deno through a small
# launcher. `bin/deploy` is the deployer and, copied to a host with a
# profile, the helper (`deploy activate|wait|confirm|revoke`).
#
# It depends on exactly these attributes of pkgs, so that tests can build it
# with a stand-in (test/nix/stand-in-pkgs.nix) where there is no nixpkgs.
{ deno, runCommand, runtimeShell }:
{ bundle, version }:
runCommand "deploy-ts-${version}" {
  inherit bundle;
  # src/nix/self_package.ts writes the same launcher for runs from a checkout:
  # keep the Deno flags of the two alike.
  launcher = ''
    #!${runtimeShell}
    # deploy-ts ${version}: the deployer, and on hosts the on-host helper.
    export DEPLOY_TS_BIN="@out@/bin/deploy"
    export DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1
    # Deno keeps a code cache; without a writable home (a build sandbox, a
    # system user) it would warn on every start.
    if [ -z "''${DENO_DIR:-}" ] && ! [ -w "''${HOME:-/nonexistent}" ]; then
      export DENO_DIR="''${TMPDIR:-/tmp}/deploy-ts-deno-cache"
    fi
    exec ${deno}/bin/deno run --quiet --allow-all --no-config --no-lock "@out@/share/deploy-ts/deploy.mjs" "$@"
  '';
} ''
  mkdir -p $out/bin $out/share/deploy-ts
  cp $bundle $out/share/deploy-ts/deploy.mjs
  printf '%s' "$launcher" | sed "s|@out@|$out|g" > $out/bin/deploy
  chmod +x $out/bin/deploy
''
