# The unit tests (pure logic, no hosts) as a Nix check.
# pkgs attributes used: buildNpmPackage, deno (npmArgs: see default.nix).
{ buildNpmPackage, deno }:
npmArgs:
buildNpmPackage (npmArgs // {
  pname = "deploy-ts-unit-tests";
  buildPhase = ''
    runHook preBuild
    export DENO_DIR=$TMPDIR/deno HOME=$TMPDIR NO_COLOR=1 DENO_NO_UPDATE_CHECK=1
    ${deno}/bin/deno test --allow-read --allow-run --allow-env --allow-write --allow-sys --allow-net \
      src/shared src/wire src/config src/plan src/cli src/ui src/ssh src/host src/deploy src/process \
      src/helper/profile_path_test.ts src/helper/activation_entry_test.ts \
      src/helper/generations_test.ts
    runHook postBuild
  '';
  installPhase = "touch $out";
})
