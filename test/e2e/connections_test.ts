/**
 * A fleet larger than --jobs: the deployer's connections follow --jobs, not
 * the fleet (a node's login closes when it is done), over OpenSSH and ssh2;
 * and the revoke after the last node fails logs in again to every earlier
 * node and puts it back. Connections are read from /proc while the run goes
 * (test/support/footprint.ts).
 */
import assert from "node:assert/strict";
import { Testbed } from "../support/testbed.ts";
import { deployFleet, hostsFleet, profileTarget, ROOT_PROFILE } from "../support/fleet.ts";
import { deploySampled, type Footprint } from "../support/footprint.ts";
import { cliArgv } from "../support/cli.ts";

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

for (const transport of ["openssh", "ssh2"] as const) {
  Deno.test(`connections (${transport}): a revoke that cannot log in again to a node closed before fails it by name, left on its new generation`, async () => {
    await using tb = await Testbed.up(2);
    // h2 activates only once the test says so, then fails; h1 is done (and its login closed) by then.
    const fleet = (version: string) =>
      hostsFleet(
        tb,
        version,
        (h) =>
          version === "v2" && h === "h2"
            ? { exitCode: 1, script: "while [ ! -e /tmp/go ]; do sleep 0.2; done" }
            : {},
        { transport },
      );
    const system = (h: string) => profileTarget(tb, h, ROOT_PROFILE("system"));
    assert.equal((await deployFleet(fleet("v1"), [])).code, 0);
    const v1 = await system("h1");

    const [cmd, ...args] = cliArgv(["-s", "--no-progress", "--jobs", "1", "."]);
    const child = new Deno.Command(cmd, {
      args,
      cwd: fleet("v2"),
      env: { NO_COLOR: "1" },
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let stderr = "";
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    while (!stderr.includes("activating h2-v2")) {
      const { value, done } = await reader.read();
      if (done) break;
      stderr += value;
    }
    // From now on nobody logs in to h1: its keys are gone.
    await tb.exec("h1", ["rm", "/nix/var/testbed/authorized_keys/root"]);
    await tb.exec("h2", ["touch", "/tmp/go"]);
    for (let r = await reader.read(); !r.done; r = await reader.read()) stderr += r.value;
    const { code } = await child.status;

    assert.equal(code, 3, `h1 is left changed\n${stderr}`);
    assert.match(stderr, /h2\.system +rolled back/);
    assert.match(
      stderr,
      /h1\.system +FAILED +revoking failed \(after h2\.system failed\): cannot log in again: .*h1/,
    );
    const h1 = await system("h1");
    assert.notEqual(h1, v1);
    assert.match(h1, /-h1-v2$/, "h1 stays on the generation this run activated");
  });
}
