/**
 * What a deployment costs a host, counted so that a change cannot raise it
 * unnoticed: Deno starts of the helper (each is ~0.2 s of a host's CPU) and
 * SSH logins (each is a key exchange and a shell start) per deployed profile.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Testbed } from "../support/testbed.ts";
import { deployFleet, fleetFlake } from "../support/fleet.ts";

/** The testbed's sshd logs each login; the helper traces each start (DEPLOY_TS_TRACE_STARTS). */
async function hostCounters(tb: Testbed, host: string) {
  const sshdLog = join(tb.dir, "hosts", host, "sshd.log");
  const logins = (await Deno.readTextFile(sshdLog)).split("\n")
    .filter((l) => l.startsWith("Accepted publickey")).length;
  const starts = (await tb.exec(host, ["sh", "-c", "cat /tmp/testbed-helper-starts || true"]))
    .stdout.split("\n").filter((l) => l !== "");
  return { logins, starts };
}

Deno.test("costs: per deployed profile, two helper starts and one fresh login, plus one login per host", async () => {
  await using tb = await Testbed.up(1);
  const dir = fleetFlake(tb, {
    web: {
      hostname: "h1",
      profiles: { system: { message: "cost-a" }, app: { message: "cost-b" } },
    },
  });
  const before = await hostCounters(tb, "h1");
  const r = await deployFleet(dir, []);
  assert.equal(r.code, 0, r.stderr);
  const after = await hostCounters(tb, "h1");
  const starts = after.starts.slice(before.starts.length);
  // activate (follows the run) and the detached worker; the confirmation over a
  // new connection is a shell handing the token to the worker, not a third start.
  assert.deepEqual(starts.sort(), ["activate", "activate", "run-job", "run-job"]);
  // One login for everything (commands and nix copy share it), one new one per confirmation.
  assert.equal(after.logins - before.logins, 1 + 2);
});
