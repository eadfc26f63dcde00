/**
 * Rollouts in waves end to end on testbed hosts: a failure in a wave keeps
 * later waves untouched, and the earlier waves follow the failure policy.
 */
import assert from "node:assert/strict";
import { Testbed } from "../support/testbed.ts";
import { deployCli } from "../support/cli.ts";
import {
  activations,
  deployFleet,
  fleetFlake,
  profileTarget,
  ROOT_PROFILE,
} from "../support/fleet.ts";
import type { PlanJson } from "../../src/ui/plan_format.ts";

Deno.test("waves: the second wave's first node fails; the third wave is never contacted, the first revoked by default and kept with --keep-going", async () => {
  await using tb = await Testbed.up(4);
  // h1 is the canary; h2 and h3 the second wave; h4 the last.
  const WAVES: Record<string, number> = { h1: 0, h2: 1, h3: 1, h4: 2 };
  const fleet = (version: string, withWaves: boolean) =>
    fleetFlake(
      tb,
      Object.fromEntries(tb.hosts.map((h) => [h, {
        hostname: h,
        settings: withWaves ? { wave: WAVES[h] } : {},
        profiles: {
          system: { message: `${h}-${version}`, exitCode: version === "v2" && h === "h2" ? 1 : 0 },
        },
      }])),
    );
  const system = (h: string) => profileTarget(tb, h, ROOT_PROFILE("system"));

  const first = await deployFleet(fleet("v1", true), []);
  assert.equal(first.code, 0, first.stderr);
  const v1 = Object.fromEntries(await Promise.all(tb.hosts.map(async (h) => [h, await system(h)])));

  const bad = fleet("v2", true);
  const plan = await deployCli(["plan", "--json", "-s"], { cwd: bad });
  assert.equal(plan.code, 0, plan.stderr);
  const profiles = (JSON.parse(plan.stdout) as PlanJson).profiles;
  assert.deepEqual(Object.fromEntries(profiles.map((p) => [p.node, p.wave])), WAVES);
  const h4v2 = profiles.find((p) => p.node === "h4")!.path;

  // Default policy (--rollback-succeeded true): the canary is put back.
  const r = await deployFleet(bad, []);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /h2\.system +rolled back/);
  assert.match(r.stderr, /h1\.system +revoked/);
  assert.match(r.stderr, /h4\.system +skipped +not started: wave 1 failed/);
  assert.equal(await system("h1"), v1.h1, "the first wave is back on v1");
  assert.equal(await system("h2"), v1.h2);
  assert.equal(await system("h4"), v1.h4);
  assert.equal(await tb.hasPath("h4", h4v2), false, "nothing was copied to the third wave");
  assert.deepEqual(await activations(tb, "h4"), ["h4-v1"], "nothing ran on the third wave");
  assert.doesNotMatch(r.stderr, /\[h4\.system\] (connecting|copying|activating)/);

  // --keep-going, the same waves from the command line: the canary keeps v2,
  // and with no failure allowed the third wave still never starts.
  const k = await deployFleet(fleet("v2", false), ["--keep-going", "--waves", "h1; h2,h3; *"]);
  assert.equal(k.code, 3, `the canary keeps v2: a host changed\n${k.stderr}`);
  assert.match(k.stderr, /h1\.system +confirmed/);
  assert.match(k.stderr, /h3\.system +confirmed/);
  assert.match(k.stderr, /h2\.system +rolled back/);
  assert.match(k.stderr, /h4\.system +skipped +not started: wave 1 failed/);
  assert.match(await system("h1"), /-h1-v2$/);
  assert.equal(await system("h2"), v1.h2);
  assert.equal(await system("h4"), v1.h4);
  assert.equal(await tb.hasPath("h4", h4v2), false);
  assert.deepEqual(await activations(tb, "h4"), ["h4-v1"]);
});
