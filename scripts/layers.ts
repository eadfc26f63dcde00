/**
 * The layering of src/, checked from the code itself (`deno task layers`):
 * every relative import of a source file (tests aside) must point down the
 * arrow or stay in its own folder, and no import cycle may exist. The
 * order below is the README's "How the code is laid out"; a folder may
 * import only folders of a lower rank, never one of the same rank beside
 * it (the helper and the deployer's config share no code but the floors).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import process from "node:process";

/** Lowest first. Folders of one rank may not import each other. */
export const LAYERS: string[][] = [
  ["shared"],
  ["process"],
  ["wire"],
  ["helper", "config"],
  ["nix"],
  ["ssh"],
  ["plan"],
  ["host"],
  ["deploy"],
  ["ui"],
  ["cli"],
];

export interface Violation {
  from: string;
  to: string;
  why: string;
}

function rankOf(folder: string): number {
  return LAYERS.findIndex((l) => l.includes(folder));
}

/** `src/<folder>/…` → folder; files directly in src/ have none. */
function folderOf(srcRelative: string): string {
  const parts = srcRelative.split("/");
  return parts.length > 1 ? parts[0] : "";
}

/** Relative imports of a TypeScript source (static, re-exports and dynamic). */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(?\s*)"(\.\.?\/[^"]+)"/g;
  for (const m of text.matchAll(re)) out.push(m[1]);
  return out;
}

/** What is wrong with an import graph (file → files it imports, src-relative). */
export function checkGraph(graph: Map<string, string[]>): Violation[] {
  const found: Violation[] = [];
  for (const [from, tos] of graph) {
    const a = folderOf(from);
    for (const to of tos) {
      const b = folderOf(to);
      if (a === b) continue;
      if (a === "" || rankOf(a) < 0) {
        found.push({ from, to, why: `src/${from} is in no layer (put it in a folder of LAYERS)` });
        continue;
      }
      if (b === "" || rankOf(b) < 0) {
        found.push({ from, to, why: `src/${to} is in no layer` });
        continue;
      }
      if (rankOf(b) > rankOf(a)) {
        found.push({ from, to, why: `${a}/ imports ${b}/, which is above it` });
      } else if (rankOf(b) === rankOf(a)) {
        found.push({ from, to, why: `${a}/ imports ${b}/, beside it in the same layer` });
      }
    }
  }
  // Cycles, file by file (depth-first, each reported once by its first edge back).
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, "open");
    stack.push(f);
    for (const to of graph.get(f) ?? []) {
      if (state.get(to) === "open") {
        const cycle = [...stack.slice(stack.indexOf(to)), to];
        found.push({ from: f, to, why: `import cycle: ${cycle.join(" → ")}` });
      } else if (!state.has(to)) visit(to);
    }
    stack.pop();
    state.set(f, "done");
  };
  for (const f of [...graph.keys()].sort()) if (!state.has(f)) visit(f);
  return found;
}

/**
 * Where a helper start would load Node compatibility: a value import of a
 * `node:` module, or a use of the `process` global, in any file a helper
 * start evaluates (the entry's static imports and everything src/helper/main.ts
 * reaches; type-only imports are erased). Under Deno either sets up Deno's
 * Node compatibility, which costs a start about as much as Deno itself
 * (README, "What a deployment costs a host"). `texts`: src-relative file → source.
 */
export function nodeOnHelperPath(texts: Map<string, string>): string[] {
  const valueImports = (text: string) =>
    [...text.matchAll(/^(?:import|export)\s+(type\s)?[^;]*?\bfrom\s*"([^"]+)"/gms)]
      .filter((m) => !m[1]).map((m) => m[2]);
  const found: string[] = [];
  const seen = new Set<string>();
  const visit = (file: string, dynamicToo: boolean) => {
    if (seen.has(file) || !texts.has(file)) return;
    seen.add(file);
    const text = texts.get(file)!;
    const code = text.split("\n").filter((l) => !/^\s*(\/\/|\/?\*)/.test(l)).join("\n");
    for (const spec of valueImports(code)) {
      if (spec.startsWith("node:")) found.push(`src/${file} imports ${spec}`);
    }
    if (/(?<![.\w])process\.\w/.test(code)) found.push(`src/${file} uses the process global`);
    const next = dynamicToo ? importsOf(code) : valueImports(code).filter((i) => i.startsWith("."));
    for (const i of next) visit(join(dirname(file), i).replace(/^\.\//, ""), dynamicToo);
  };
  visit("cli/bin.ts", false);
  visit("helper/main.ts", true);
  return found;
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith(".ts") && !name.endsWith("_test.ts")) out.push(p);
  }
  return out;
}

/** The import graph of src/ (tests aside), src-relative paths. */
export function graphOf(src: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(src)) {
    const tos = importsOf(readFileSync(file, "utf8"))
      .map((i) => relative(src, resolve(dirname(file), i)))
      .filter((t) => !t.startsWith(".."));
    graph.set(relative(src, file), tos);
  }
  return graph;
}

if (import.meta.main) {
  const src = join(dirname(new URL(import.meta.url).pathname), "..", "src");
  const graph = graphOf(src);
  const violations = checkGraph(graph);
  for (const v of violations) console.error(`layers: src/${v.from} → src/${v.to}: ${v.why}`);
  const texts = new Map(sources(src).map((f) => [relative(src, f), readFileSync(f, "utf8")]));
  const nodeOnHelper = nodeOnHelperPath(texts);
  for (const n of nodeOnHelper) console.error(`layers: on a helper start's path, ${n}`);
  const limit = 420;
  let long = 0;
  for (const file of sources(src)) {
    const lines = readFileSync(file, "utf8").split("\n").length - 1;
    if (lines > limit) {
      console.error(
        `layers: ${relative(process.cwd(), file)} has ${lines} lines (at most ${limit})`,
      );
      long++;
    }
  }
  if (violations.length || long || nodeOnHelper.length) process.exit(1);
  console.log(
    `layers: ${graph.size} files, every import down the arrow, no node: on a helper start's path, ` +
      (long ? `${long} over ${limit} lines` : `none over ${limit} lines`),
  );
}
