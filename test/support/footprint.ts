/**
 * What a running deployer holds, read from /proc while it runs: its
 * processes (its own tree, plus the OpenSSH masters that `ssh -f` detached
 * from it, found by the private TMPDIR in their ControlPath), their open
 * file descriptors and resident memory, and their TCP connections to the
 * testbed's port 22, by host. Linux only, like the testbed.
 */
import { mkdtempSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliArgv } from "./cli.ts";

const nothing = (): Footprint => ({
  processes: 0,
  masters: 0,
  ssh: 0,
  fds: 0,
  ownFds: 0,
  rssKb: 0,
  connections: 0,
  hosts: 0,
});

/** One look at the deployer. */
export interface Footprint {
  processes: number;
  /** OpenSSH masters (`ControlMaster=yes`) alive. */
  masters: number;
  /** `ssh` processes of any kind (masters, commands through them, fresh logins, Nix's). */
  ssh: number;
  fds: number;
  /** Those of the deployer's own process (its limit, RLIMIT_NOFILE, is per process). */
  ownFds: number;
  rssKb: number;
  /** TCP connections to `net`.*:22, and the distinct hosts they reach. */
  connections: number;
  hosts: number;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** pid → [ppid, argv] of every live (not zombie) process. */
function processTable(): Map<number, { ppid: number; argv: string[] }> {
  const table = new Map<number, { ppid: number; argv: string[] }>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = read(`/proc/${name}/stat`);
    // "pid (comm) S ppid …": comm may hold spaces and parentheses.
    const m = stat && /\) (\S) (\d+) /.exec(stat.slice(stat.lastIndexOf(")")));
    if (!m || m[1] === "Z") continue;
    const argv = (read(`/proc/${name}/cmdline`) ?? "").split("\0").filter((a) => a !== "");
    table.set(Number(name), { ppid: Number(m[2]), argv });
  }
  return table;
}

/** `127.1.2.3` from /proc/net/tcp's little-endian hex address. */
function ipv4(hex: string): string {
  return [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(".");
}

/** socket inode → remote host, for established TCP connections to `net`.*:22. */
function sshConnections(net: string): Map<string, string> {
  const byInode = new Map<string, string>();
  for (const line of (read("/proc/net/tcp") ?? "").split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [addr, port] = f[2].split(":");
    const remote = ipv4(addr);
    // 01: ESTABLISHED; 0016: port 22.
    if (port === "0016" && f[3] === "01" && remote.startsWith(`${net}.`)) {
      byInode.set(f[9], remote);
    }
  }
  return byInode;
}

/** The deployer `pid`'s footprint now; `marker` is in its masters' argv (its TMPDIR). */
export function footprintOf(pid: number, marker: string, net: string): Footprint {
  const table = processTable();
  const mine = new Set<number>([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [p, { ppid }] of table) {
      if (!mine.has(p) && mine.has(ppid)) (mine.add(p), grew = true);
    }
  }
  for (const [p, { argv }] of table) {
    if (argv[0]?.endsWith("ssh") && argv.some((a) => a.includes(marker))) mine.add(p);
  }
  const connections = sshConnections(net);
  const f = nothing();
  const hosts = new Set<string>();
  for (const p of mine) {
    const argv = table.get(p)?.argv ?? [];
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${p}/fd`);
    } catch {
      continue; // gone meanwhile
    }
    f.processes++;
    f.fds += fds.length;
    if (p === pid) f.ownFds = fds.length;
    f.rssKb += Number(/VmRSS:\s+(\d+)/.exec(read(`/proc/${p}/status`) ?? "")?.[1] ?? 0);
    if (argv[0]?.endsWith("ssh")) f.ssh++;
    if (argv.includes("ControlMaster=yes")) f.masters++;
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${p}/fd/${fd}`);
      } catch {
        continue;
      }
      const host = connections.get(/^socket:\[(\d+)\]$/.exec(target)?.[1] ?? "");
      if (host !== undefined) (f.connections++, hosts.add(host));
    }
  }
  f.hosts = hosts.size;
  return f;
}

/** The most of each figure over a run, and the figures sampled. */
export interface FootprintPeak {
  peak: Footprint;
  samples: number;
}

/** Look at `pid` every `everyMs` until `done` settles; the peak of each figure. */
export async function samplePeak(
  pid: number,
  marker: string,
  net: string,
  done: Promise<unknown>,
  everyMs = 50,
): Promise<FootprintPeak> {
  let finished = false;
  done.finally(() => finished = true);
  const peak = nothing();
  let samples = 0;
  while (!finished) {
    const f = footprintOf(pid, marker, net);
    for (const k of Object.keys(peak) as (keyof Footprint)[]) peak[k] = Math.max(peak[k], f[k]);
    samples++;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return { peak, samples };
}

/** `deploy ARGS…` from this checkout in `cwd`, its footprint sampled while it runs. */
export async function deploySampled(
  cwd: string,
  args: string[],
  net: string,
): Promise<{ code: number; stderr: string; peak: Footprint; after: Footprint }> {
  // A TMPDIR of its own: its OpenSSH masters' ControlPaths are in it, so they can be told apart.
  const marker = mkdtempSync(join(tmpdir(), "footprint-"));
  const [cmd, ...rest] = cliArgv(["-s", "--no-progress", ...args]);
  const child = new Deno.Command(cmd, {
    args: rest,
    cwd,
    env: { TMPDIR: marker, NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const output = child.output();
  const { peak } = await samplePeak(child.pid, marker, net, output);
  const r = await output;
  return {
    code: r.code,
    stderr: new TextDecoder().decode(r.stderr),
    peak,
    // What outlives the deployer (a master left behind would show here).
    after: footprintOf(child.pid, marker, net),
  };
}
