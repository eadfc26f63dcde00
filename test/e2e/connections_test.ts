/**
 * A fleet larger than --jobs: the deployer's connections follow --jobs, not
 * the fleet (a node's login closes when it is done), over OpenSSH and ssh2;
 * and the revoke after the last node fails logs in again to every earlier
 * node and puts it back. Connections are read from /proc while the run goes
 * (test/support/footprint.ts).
 */
import assert from "node:assert/strict";
import { Testbed } from "../support/testbed.ts";
import { hostsFleet, profileTarget, ROOT_PROFILE } from "../support/fleet.ts";
import { deploySampled, type Footprint } from "../support/footprint.ts";

const JOBS = 2;

function assertWithinJobs(peak: Footprint, what: string): void {
  const seen = JSON.stringify(peak);
  assert.ok(peak.hosts >= 1, `${what}: the sampler saw no connection at all: ${seen}`);
  assert.ok(peak.hosts <= JOBS, `${what}: connected to more hosts at once than --jobs: ${seen}`);
  assert.ok(peak.masters <= JOBS, `${what}: more ssh masters than --jobs: ${seen}`);
  // Each node's login, and its confirmation over a brand-new connection.
  assert.ok(peak.connections <= 2 * JOBS, `${what}: more connections than --jobs needs: ${seen}`);
}

for (const transport of ["openssh", "ssh2"] as const) {
  Deno.test(`connections (${transport}): five hosts at --jobs ${JOBS} never hold more than --jobs hosts' logins; the last node fails and every earlier one is revoked, logged in to again`, async () => {
    await using tb = await Testbed.up(5);
    const last = tb.hosts[tb.hosts.length - 1];
    const fleet = (version: string) =>
      hostsFleet(tb, version, (h) => ({ exitCode: version === "v2" && h === last ? 1 : 0 }), {
        transport,
      });
    const system = (h: string) => profileTarget(tb, h, ROOT_PROFILE("system"));
    const args = ["--jobs", String(JOBS)];

    const first = await deploySampled(fleet("v1"), args, tb.net);
    assert.equal(first.code, 0, first.stderr);
    assertWithinJobs(first.peak, "v1");
    assert.equal(first.after.ssh, 0, "no ssh process outlives the run");
    const v1 = await Promise.all(tb.hosts.map(system));
    assert.ok(v1.every((t) => t !== ""), v1.join(" "));

    const bad = await deploySampled(fleet("v2"), args, tb.net);
    assert.equal(bad.code, 1, bad.stderr);
    assertWithinJobs(bad.peak, "v2");
    assert.equal(bad.after.ssh, 0, "no ssh process outlives the run");
    assert.match(bad.stderr, new RegExp(`${last}\\.system +rolled back`));
    for (const h of tb.hosts.slice(0, -1)) {
      assert.match(bad.stderr, new RegExp(`${h}\\.system +revoked`));
    }
    // On the hosts: every node is back on its previous generation.
    assert.deepEqual(await Promise.all(tb.hosts.map(system)), v1);
  });
}
