// Stands in for ssh2's optional native addons in the bundle (see
// scripts/build): ssh2 requires them inside try/catch and falls back to its
// pure-JS code, so throwing here is what a missing addon does. The bundle is
// then the same whether or not npm's install scripts compiled them.
throw new Error("deploy-ts bundles ssh2's pure-JS path, not its native addons");
