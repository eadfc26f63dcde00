// The bundler behind scripts/build (esbuild's API: the plugin below needs it).
// Usage: node scripts/bundle.mjs OUTFILE
//
// Start-up cost decides this file's shape. Under Deno, the first `node:`
// module a program loads sets up Deno's Node compatibility, which costs a
// start about as much as Deno itself; esbuild hoists every static import of
// a `node:` module to the top of a one-file ESM bundle, so every start paid
// it, the helper's (written against Deno's own APIs) included. Here each
// `node:` import of our own sources becomes a require of a small CommonJS
// module that fetches the builtin (process.getBuiltinModule, Node >= 20.16
// and Deno 2), and esbuild evaluates it inside the lazily initialised module
// that imports it: a builtin is loaded when code that imports it first runs.
// The banner's `require` (commander and ssh2 are CommonJS) is made the same
// way, on first call; `__filename`/`__dirname` come from import.meta.url.
import { build } from "esbuild";

const outfile = process.argv[2];
if (!outfile) throw new Error("usage: node scripts/bundle.mjs OUTFILE");

const banner = `let __deployTsRequire;
const require = (id) => (__deployTsRequire ??= globalThis.process.getBuiltinModule("node:module")
  .createRequire(import.meta.url))(id);
const __filename = decodeURIComponent(new URL(import.meta.url).pathname);
const __dirname = __filename.slice(0, __filename.lastIndexOf("/")) || "/";`;

/** Our own sources' `node:` imports, fetched when the importing module initialises. */
const lazyNodeBuiltins = {
  name: "lazy-node-builtins",
  setup(b) {
    b.onResolve(
      { filter: /^node:/ },
      (args) =>
        args.importer.includes("/node_modules/")
          ? undefined
          : { path: args.path, namespace: "lazy-node-builtin" },
    );
    b.onLoad({ filter: /.*/, namespace: "lazy-node-builtin" }, (args) => ({
      contents: `module.exports = globalThis.process.getBuiltinModule(${
        JSON.stringify(args.path)
      });`,
      loader: "js",
    }));
  },
};

/**
 * zod's namespace (`z`) re-exports every locale (`z.locales`), about a fifth
 * of the bundle, parsed by every start, the helper's too; deploy-ts uses
 * none but the English one zod itself applies (schemas.js imports en.js).
 */
const zodEnglishOnly = {
  name: "zod-english-only",
  setup(b) {
    b.onResolve(
      { filter: /^\.\.\/locales\/index\.js$/ },
      (args) =>
        /\/node_modules\/zod\/v4\/(classic|core)\/[^/]+$/.test(args.importer)
          ? { path: args.path, namespace: "zod-english-only", pluginData: args.resolveDir }
          : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "zod-english-only" }, (args) => ({
      contents: 'export { default as en } from "../locales/en.js";',
      resolveDir: args.pluginData,
      loader: "js",
    }));
  },
};

await build({
  entryPoints: ["src/cli/bin.ts"],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "es2022",
  alias: { "cpu-features": "./scripts/stubs/no-native-addon.cjs" },
  external: ["*.node"],
  preserveSymlinks: true,
  banner: { js: banner },
  legalComments: "none",
  logLevel: "warning",
  outfile,
  plugins: [lazyNodeBuiltins, zodEnglishOnly],
});
