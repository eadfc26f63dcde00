import assert from "node:assert/strict";
import type { ProfilePlan } from "../config/plan.ts";
import { planOf } from "../config/plan_testing.ts";
import { UsageError } from "../shared/errors.ts";
import { assignWaves, parseWaveSpec, planWaves } from "./waves.ts";

const profile = (node: string, wave = 0, name = "system"): ProfilePlan =>
  planOf(node, { profile: name, wave });

/** The waves as `node.profile@wave` names. */
const shape = (waves: ProfilePlan[][]) =>
  waves.map((w) => w.map((p) => `${p.node}.${p.profile}@${p.wave}`));

Deno.test("waves: --waves text split into waves of node names", () => {
  assert.deepEqual(parseWaveSpec("web1; web2,web3; *"), [["web1"], ["web2", "web3"], ["*"]]);
  assert.deepEqual(parseWaveSpec(" a , b ;c;"), [["a", "b"], ["c"]]);
});

Deno.test("waves: malformed --waves text is refused, saying what is wrong", () => {
  assert.throws(() => parseWaveSpec("a;;b"), /wave 2 of "a;;b" has an empty node name/);
  assert.throws(() => parseWaveSpec("a,"), /wave 1 .* has an empty node name/);
  assert.throws(() => parseWaveSpec(""), UsageError);
  assert.throws(() => parseWaveSpec("a; b,a"), /node "a" is named twice/);
  assert.throws(() => parseWaveSpec("*; a; *"), /"\*" .* may appear once/);
});

Deno.test("waves: without --waves, nodes go by their wave setting, smallest first, plan order within", () => {
  const plan = [profile("c", 5), profile("a", 0), profile("a", 0, "app"), profile("b", 5)];
  assert.deepEqual(shape(planWaves(plan)), [
    ["a.system@0", "a.app@0"],
    ["c.system@5", "b.system@5"],
  ]);
  assert.deepEqual(shape(planWaves([profile("a"), profile("b")])), [["a.system@0", "b.system@0"]]);
  assert.deepEqual(planWaves([]), []);
});

Deno.test("waves: --waves overrides the settings; * takes every node not named elsewhere", () => {
  const plan = ["d", "c", "b", "a"].map((n) => profile(n, n === "a" ? 9 : 0));
  assert.deepEqual(shape(planWaves(plan, parseWaveSpec("a; *; b"))), [
    ["a.system@0"],
    ["d.system@1", "c.system@1"],
    ["b.system@2"],
  ]);
  // A `*` with nothing left over is an empty wave: dropped, not waited for.
  assert.deepEqual(shape(planWaves(plan, parseWaveSpec("a,b; *; c,d"))), [
    ["b.system@0", "a.system@0"],
    ["d.system@2", "c.system@2"],
  ]);
});

Deno.test("waves: a --waves name that is no selected node is an error naming it", () => {
  const plan = [profile("web1"), profile("web2")];
  assert.throws(
    () => planWaves(plan, parseWaveSpec("web1; wbe2")),
    (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(
        e.message,
        /^--waves names the node "wbe2", which is not among the selected nodes \("web1", "web2"\); did you mean "web2"\?$/,
      );
      return true;
    },
  );
});

Deno.test("waves: a selected node left out of --waves (no *) is an error naming it", () => {
  assert.throws(
    () => planWaves([profile("a"), profile("b")], parseWaveSpec("a")),
    /--waves puts the selected node "b" in no wave; name it, or end with "; \*"/,
  );
});

Deno.test("waves: assignWaves keeps the plan's order and gives each profile its --waves number", () => {
  const plan = [profile("a", 3), profile("b", 3, "app"), profile("b", 3)];
  assert.deepEqual(
    assignWaves(plan, parseWaveSpec("b; a")).map((p) => `${p.node}.${p.profile}@${p.wave}`),
    ["a.system@1", "b.app@0", "b.system@0"],
  );
  assert.deepEqual(assignWaves(plan), plan);
});

Deno.test("waves: --waves entries may be @tags and globs; names win, then the first wave that selects", () => {
  const plan = [
    planOf("web-1", { tags: ["web", "canary"] }),
    planOf("web-2", { tags: ["web"] }),
    planOf("web-3", { tags: ["web"] }),
    planOf("db", { tags: ["db"] }),
    planOf("cache"),
  ];
  assert.deepEqual(shape(planWaves(plan, parseWaveSpec("@canary; web-*; *"))), [
    ["web-1.system@0"],
    ["web-2.system@1", "web-3.system@1"],
    ["db.system@2", "cache.system@2"],
  ]);
  // A node named by its name goes to that wave, even after a glob that selects it.
  assert.deepEqual(shape(planWaves(plan, parseWaveSpec("web-?,@db; cache, web-3"))), [
    ["web-1.system@0", "web-2.system@0", "db.system@0"],
    ["web-3.system@1", "cache.system@1"],
  ]);
});

Deno.test("waves: a --waves glob or tag that selects none of the selected nodes is an error", () => {
  const plan = [planOf("web-1", { tags: ["web"] }), planOf("db")];
  assert.throws(
    () => planWaves(plan, parseWaveSpec("@wbe; *")),
    (e: unknown) =>
      e instanceof UsageError &&
      e.message ===
        '--waves "@wbe" selects no node: no selected node has the tag "wbe" (tags: "web"); did you mean "@web"?',
  );
  assert.throws(() => planWaves(plan, parseWaveSpec("x*; *")), /--waves "x\*" selects no node/);
  assert.throws(() => parseWaveSpec("@; *"), /--waves: "@" is not a tag/);
});
