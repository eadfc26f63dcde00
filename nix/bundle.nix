# dist/deploy.mjs, built from source with the locked npm dependencies.
# pkgs attributes used: buildNpmPackage, importNpmLock, nodejs.
{ buildNpmPackage, importNpmLock, nodejs }:
{ src, version }:
buildNpmPackage {
  pname = "deploy-ts-bundle";
  inherit version src nodejs;
  npmDeps = importNpmLock { npmRoot = src; };
  npmConfigHook = importNpmLock.npmConfigHook;
  dontNpmBuild = true;
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
}
