# dist/deploy.mjs, built from source with the locked npm dependencies.
# pkgs attributes used: buildNpmPackage (npmArgs: see default.nix).
{ buildNpmPackage }:
npmArgs:
buildNpmPackage (npmArgs // {
  pname = "deploy-ts-bundle";
  buildPhase = ''
    runHook preBuild
    bash scripts/build
    runHook postBuild
  '';
  installPhase = ''
    runHook preInstall
    mkdir -p $out
    cp dist/deploy.mjs $out/deploy.mjs
    runHook postInstall
  '';
})
