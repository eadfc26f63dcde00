import assert from "node:assert/strict";
import { groupByNode } from "./node_groups.ts";
import type { ProfilePlan } from "../config/plan.ts";

const p = (node: string, profile: string) => ({ node, profile }) as ProfilePlan;

Deno.test("groupByNode: nodes in plan order, each node's profiles in plan order", () => {
  const plan = [p("b", "system"), p("a", "system"), p("b", "home"), p("a", "home")];
  assert.deepEqual(
    groupByNode(plan).map(({ node, profiles }) => [node, profiles.map((x) => x.profile)]),
    [["b", ["system", "home"]], ["a", ["system", "home"]]],
  );
  assert.deepEqual(groupByNode([]), []);
});
