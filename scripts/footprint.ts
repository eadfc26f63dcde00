/**
 * The deployer's footprint by fleet size (README, "Connections in a large
 * fleet"): for each host count, a testbed of that many hosts, a deployment
 * of a new generation to all of them at `--jobs` (4 unless FOOTPRINT_JOBS),
 * over OpenSSH and over ssh2, and the peak of the deployer's processes,
 * open file descriptors, resident memory and SSH connections while it runs
 * (test/support/footprint.ts). With `--before DIR`, a second checkout (say
 * `git archive main`) runs alternately beside this one, for ratios.
 *
 *     deno run -A scripts/footprint.ts [--before DIR] 1 8 24
 */
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { Testbed } from "../test/support/testbed.ts";
import { hostsFleet } from "../test/support/fleet.ts";
import { samplePeak } from "../test/support/footprint.ts";

const REPO = join(import.meta.dirname!, "..");
const JOBS = Deno.env.get("FOOTPRINT_JOBS") ?? "4";

const args = [...Deno.args];
const beforeAt = args.indexOf("--before");
const before = beforeAt >= 0 ? args.splice(beforeAt, 2)[1] : undefined;
const counts = args.map(Number);
const checkouts: [string, string][] = [
  ...(before ? [["before", before] as [string, string]] : []),
  ["this", REPO],
];

let generation = 0;
console.log(
  `| hosts | transport | checkout | wall | processes | ssh (masters) | fds (deployer's own) | RSS | connections (hosts) |`,
);
console.log(`| --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
for (const n of counts) {
  await using tb = await Testbed.up(n);
  for (const transport of ["openssh", "ssh2"]) {
    for (const [name, dir] of checkouts) {
      const flake = hostsFleet(tb, `v${generation++}`);
      const marker = mkdtempSync(join(tmpdir(), "footprint-"));
      const start = Date.now();
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--config",
          join(dir, "deno.json"),
          join(dir, "mod.ts"),
          "-s",
          "--no-progress",
          "--jobs",
          JOBS,
          "--transport",
          transport,
          ".",
        ],
        cwd: flake,
        env: { TMPDIR: marker, NO_COLOR: "1" },
        stdout: "null",
        stderr: "piped",
      }).spawn();
      const output = child.output();
      const { peak } = await samplePeak(child.pid, marker, tb.net, output);
      const r = await output;
      if (!r.success) throw new Error(new TextDecoder().decode(r.stderr));
      const mb = (peak.rssKb / 1024).toFixed(0);
      console.log(
        `| ${n} | ${transport} | ${name} | ${
          ((Date.now() - start) / 1000).toFixed(1)
        } s | ${peak.processes} | ` +
          `${peak.ssh} (${peak.masters}) | ${peak.fds} (${peak.ownFds}) | ${mb} MB | ${peak.connections} (${peak.hosts}) |`,
      );
    }
  }
}
