import assert from "node:assert/strict";
import { checkGraph, importsOf, nodeOnHelperPath } from "./layers.ts";

Deno.test("layers: imports are read from static, re-export, side-effect and dynamic forms", () => {
  const text = `import { a } from "./a.ts";
export { b } from "../x/b.ts";
import "./c.ts";
const d = await import("./d.ts");
import process from "node:process";`;
  assert.deepEqual(importsOf(text), ["./a.ts", "../x/b.ts", "./c.ts", "./d.ts"]);
});

Deno.test("layers: an upward import, one beside in the same layer, and a cycle are each refused", () => {
  const why = (edges: [string, string[]][]) => checkGraph(new Map(edges)).map((v) => v.why);
  assert.deepEqual(why([["deploy/pipeline.ts", ["host/host.ts", "shared/errors.ts"]]]), []);
  assert.match(
    why([["deploy/pipeline.ts", ["ui/events.ts"]]])[0],
    /deploy\/ imports ui\/, which is above/,
  );
  assert.match(why([["helper/worker.ts", ["config/plan.ts"]]])[0], /beside it in the same layer/);
  assert.match(why([["errors.ts", []], ["cli/main.ts", ["errors.ts"]]])[0], /in no layer/);
  const cycle = why([["host/a.ts", ["host/b.ts"]], ["host/b.ts", ["host/a.ts"]]]);
  assert.deepEqual(cycle, ["import cycle: host/a.ts → host/b.ts → host/a.ts"]);
});

Deno.test("layers: a node: import or the process global on a helper start's path is named; type imports and the deployer's paths are not", () => {
  const texts = new Map([
    ["cli/bin.ts", `import { main } from "./main.ts";`],
    ["cli/main.ts", `import { x } from "../shared/x.ts";\nconst p = await import("./program.ts");`],
    ["cli/program.ts", `import process from "node:process";`],
    ["shared/x.ts", `import type { Stats } from "node:fs";\n// process.env in a comment`],
    ["helper/main.ts", `import { a } from "./a.ts";\nconst w = await import("./worker/w.ts");`],
    ["helper/a.ts", `import {\n  readFileSync,\n} from "node:fs";`],
    ["helper/worker/w.ts", `export const pid = process.pid;`],
  ]);
  assert.deepEqual(nodeOnHelperPath(texts), [
    "src/helper/a.ts imports node:fs",
    "src/helper/worker/w.ts uses the process global",
  ]);
});
