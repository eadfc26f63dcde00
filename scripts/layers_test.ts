import assert from "node:assert/strict";
import { checkGraph, importsOf } from "./layers.ts";

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
