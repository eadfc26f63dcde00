/**
 * deploy-ts benchmarks (run with scripts/bench). Each comparison runs its
 * contenders alternately, several rounds, and reports medians and ratios:
 *
 * (a) one host, one profile: deploy-ts against the minimal hand-written
 *     sequence of the same commands (nix build, nix copy, ssh nix-env --set,
 *     ssh activate), which has no lock, no rollback and no confirmation;
 * (b) the same deployment to 1 and to 8 hosts;
 * (c) `deploy --help` start-up under Deno, against Deno running an empty script;
 * (d) the built-in SSH transport (`--transport ssh2`) against OpenSSH, one
 *     host with magic rollback, and (e) 8 hosts;
 * (f) 8 hosts: deploy-ts against a hand-written parallel loop (one nix
 *     build, then nix copy + ssh per host, all hosts at once);
 * (g) a first deployment to 8 new hosts (fresh testbed: the helper's
 *     closure is copied too) against a second one to the same hosts.
 * (h) 8 hosts and one closure of a few MB, over SSH against through the
 *     testbed's binary cache (`cacheRow`): wall time, the deployer's bytes
 *     sent, the hosts' CPU.
 *
 * Beside wall time, each row splits CPU between the deployer (its whole
 * process tree, in a cgroup) and the testbed hosts (each host's cgroup, see
 * `scripts/testbed cpu`): the hosts share this machine's cores, so wall time
 * alone mixes the tool's cost with the simulation's.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { selfPackage } from "../src/nix/self_package.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run, runChecked } from "../src/process/run.ts";
import { nixStringLiteral } from "../src/nix/nix_string.ts";
import { shellQuoteArgv } from "../src/shared/shell_quote.ts";

const REPO = join(import.meta.dirname!, "..");
const DENO = join(REPO, "node_modules", ".bin", "deno");
const BUNDLE = join(REPO, "dist", "deploy.mjs");
const ROUNDS = Number(Deno.env.get("BENCH_ROUNDS") ?? 5);
// Overridable, so that two people's benchmarks on one machine do not share hosts.
const TESTBED_DIR = Deno.env.get("BENCH_TESTBED_DIR") ?? "/var/lib/deploy-ts/bench";
const TESTBED_NET = Deno.env.get("BENCH_TESTBED_NET") ?? "127.0.50";
const tb = (args: string[]) =>
  runChecked([join(REPO, "scripts", "testbed"), ...args], {
    env: { TESTBED_DIR, TESTBED_NET },
  });

let generation = 0;

/** A fleet flake with `hosts` nodes; every call makes new closures (a real change to deploy). */
function fleet(hosts: number, sshConfig: string): string {
  const dir = mkdtempSync(join(tmpdir(), "deploy-ts-bench-"));
  const stamp = `${Date.now()}-${generation++}`;
  const nodes = Array.from({ length: hosts }, (_, i) => `h${i + 1}`).map((h) =>
    `${h} = { hostname = "${h}"; profiles.system = { user = "root"; path = prof "${h}"; }; };`
  );
  writeFileSync(
    join(dir, "flake.nix"),
    `{ outputs = { self }: let
      prof = host: builtins.derivation {
        name = "bench-\${host}"; system = "x86_64-linux"; builder = "/bin/sh"; PATH = "/usr/bin:/bin";
        stamp = ${nixStringLiteral(stamp)};
        args = [ "-c" "mkdir -p $out && printf '#!/bin/sh\\\\necho $stamp\\\\n' > $out/deploy-ts-activate && chmod +x $out/deploy-ts-activate" ];
      };
    in { deploy = { sshUser = "root"; sshOpts = [ "-F" ${
      nixStringLiteral(sshConfig)
    } ]; nodes = { ${nodes.join(" ")} }; }; }; }`,
  );
  return dir;
}

/** What one run of a contender cost: wall time, and CPU split between the deployer and the hosts. */
interface Sample {
  wallMs: number;
  /** CPU seconds of every process the deployer side started (Deno, ssh, nix, builders). */
  deployerCpu: number;
  /** CPU seconds of every process of every testbed host (sshd, sessions, nix-daemon, helper). */
  hostCpu: number;
}

/**
 * The deployer's processes, in a cgroup of their own: ssh masters and Nix
 * children stay accounted for even when they detach. Needs cgroup v1 cpuacct
 * or cgroup v2 (as the testbed's per-host accounting does).
 */
const CGROUP_NAME = `deploy-ts-bench-deployer-${TESTBED_NET.replaceAll(".", "-")}`;
const DEPLOYER_CGROUP = existsSync("/sys/fs/cgroup/cpuacct")
  ? `/sys/fs/cgroup/cpuacct/${CGROUP_NAME}`
  : `/sys/fs/cgroup/${CGROUP_NAME}`;
mkdirSync(DEPLOYER_CGROUP, { recursive: true });

function deployerCpu(): number {
  const v1 = join(DEPLOYER_CGROUP, "cpuacct.usage");
  if (existsSync(v1)) return Number(readFileSync(v1, "utf8")) / 1e9;
  const usec = /usage_usec (\d+)/.exec(readFileSync(join(DEPLOYER_CGROUP, "cpu.stat"), "utf8"));
  return Number(usec![1]) / 1e6;
}

/** argv, started inside the deployer's cgroup. */
const accounted = (argv: string[]) => [
  "sh",
  "-c",
  'echo $$ >"$0" && exec "$@"',
  join(DEPLOYER_CGROUP, "cgroup.procs"),
  ...argv,
];

async function hostsCpu(): Promise<number> {
  const r = await tb(["cpu"]);
  return r.stdout.trim().split("\n").reduce((sum, l) => sum + Number(l.split(" ")[1]), 0);
}

async function sample(fn: () => Promise<unknown>): Promise<Sample> {
  const [d0, h0] = [deployerCpu(), await hostsCpu()];
  const t0 = performance.now();
  await fn();
  const wallMs = performance.now() - t0;
  return { wallMs, deployerCpu: deployerCpu() - d0, hostCpu: (await hostsCpu()) - h0 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Contender {
  run: () => Promise<unknown>;
  /** Before each run, not timed nor counted (making new hosts). */
  prepare?: () => Promise<unknown>;
  /** Hosts (= profiles) it deploys to, for the per-host CPU figures; 0 for no deployment. */
  hosts: number;
}

type Medians = Record<string, { wallMs: number; deployerCpu: number; hostCpu: number }>;

async function compare(name: string, contenders: Record<string, Contender>): Promise<Medians> {
  const samples: Record<string, Sample[]> = Object.fromEntries(
    Object.keys(contenders).map((k) => [k, []]),
  );
  for (let round = 0; round < ROUNDS; round++) {
    for (const [k, c] of Object.entries(contenders)) {
      await c.prepare?.();
      samples[k].push(await sample(c.run));
    }
  }
  const medians: Medians = Object.fromEntries(
    Object.entries(samples).map(([k, v]) => {
      const per = Math.max(contenders[k].hosts, 1);
      return [k, {
        wallMs: median(v.map((s) => s.wallMs)),
        deployerCpu: median(v.map((s) => s.deployerCpu / per)),
        hostCpu: median(v.map((s) => s.hostCpu / per)),
      }];
    }),
  );
  const [base] = Object.keys(contenders);
  console.log(`\n${name} (medians of ${ROUNDS}, alternating)`);
  console.log(
    `  ${"".padEnd(64)} ${"wall".padStart(8)} ${"ratio".padStart(6)}   ${
      "deployer CPU/host".padStart(17)
    }   ${"host CPU/profile".padStart(16)}`,
  );
  for (const [k, m] of Object.entries(medians)) {
    const deploys = contenders[k].hosts > 0;
    console.log(
      `  ${k.padEnd(64)} ${m.wallMs.toFixed(0).padStart(5)} ms ${
        (m.wallMs / medians[base].wallMs).toFixed(2).padStart(5)
      }x   ${`${m.deployerCpu.toFixed(3)} s`.padStart(17)}   ${
        (deploys ? `${m.hostCpu.toFixed(3)} s` : "-").padStart(16)
      }`,
    );
  }
  return medians;
}

const deployTs = (dir: string, extra: string[] = []) =>
  runChecked(accounted([DENO, "run", "-A", BUNDLE, "-s", "--no-progress", ...extra, dir]), {
    cwd: dir,
  });

/** The minimal hand-written deployment of one profile to one host. */
async function byHand(dir: string, sshConfig: string) {
  const built = await runChecked(accounted([
    "nix",
    "build",
    "--no-link",
    "--json",
    `${dir}#deploy.nodes.h1.profiles.system.path`,
  ]));
  const path: string = JSON.parse(built.stdout)[0].outputs.out;
  await runChecked(accounted(["nix", "copy", "--no-check-sigs", "--to", "ssh://root@h1", path]), {
    env: { NIX_SSHOPTS: `-F ${sshConfig}` },
  });
  const profile = "/nix/var/nix/profiles/per-user/root/bench-by-hand";
  await runChecked(accounted([
    "ssh",
    "-F",
    sshConfig,
    "root@h1",
    shellQuoteArgv(["nix-env", "-p", profile, "--set", path]),
  ]));
  await runChecked(accounted([
    "ssh",
    "-F",
    sshConfig,
    "root@h1",
    shellQuoteArgv([`${profile}/deploy-ts-activate`]),
  ]));
}

/**
 * The same by hand for `hosts` hosts at once, as a shell loop with `&` and
 * `wait` would: one nix build of every profile, then per host, in parallel,
 * nix copy, ssh nix-env --set and ssh activate.
 */
async function byHandParallel(dir: string, sshConfig: string, hosts: number) {
  const names = Array.from({ length: hosts }, (_, i) => `h${i + 1}`);
  const built = await runChecked(accounted([
    "nix",
    "build",
    "--no-link",
    "--json",
    ...names.map((h) => `${dir}#deploy.nodes.${h}.profiles.system.path`),
  ]));
  const paths: string[] = JSON.parse(built.stdout).map((b: { outputs: { out: string } }) =>
    b.outputs.out
  );
  const profile = "/nix/var/nix/profiles/per-user/root/bench-by-hand";
  await Promise.all(names.map(async (h, i) => {
    await runChecked(
      accounted(["nix", "copy", "--no-check-sigs", "--to", `ssh://root@${h}`, paths[i]]),
      { env: { NIX_SSHOPTS: `-F ${sshConfig}` } },
    );
    for (
      const argv of [["nix-env", "-p", profile, "--set", paths[i]], [
        `${profile}/deploy-ts-activate`,
      ]]
    ) {
      await runChecked(accounted(["ssh", "-F", sshConfig, `root@${h}`, shellQuoteArgv(argv)]));
    }
  }));
}

const ratio = (m: Medians, a: string, b: string) => (m[a].wallMs / m[b].wallMs).toFixed(2);
const cpuRatio = (m: Medians, a: string, b: string) =>
  (m[a].deployerCpu / m[b].deployerCpu).toFixed(2);

/** Helper starts on a host for one deployed profile (the testbed traces each start). */
async function helperStartsPerProfile(sshConfig: string): Promise<number> {
  const count = async () =>
    (await tb([
      "exec",
      "h1",
      "--",
      "sh",
      "-c",
      "cat /tmp/testbed-helper-starts 2>/dev/null || true",
    ]))
      .stdout.split("\n").filter((l) => l !== "").length;
  const before = await count();
  await deployTs(fleet(1, sshConfig));
  return (await count()) - before;
}

/** What a first deployment to a new host sends for the helper, unless the host substitutes it. */
async function helperClosureMb(): Promise<string> {
  const pkg = await selfPackage();
  const r = await runChecked(["nix", "path-info", "--json", "--closure-size", pkg]);
  const info = JSON.parse(r.stdout);
  const entry = Array.isArray(info) ? info[0] : Object.values(info)[0];
  return ((entry as { closureSize: number }).closureSize / 1e6).toFixed(0);
}

/**
 * (h) The same closure of `mb` MB (random bytes: no compression helps) to 8
 * hosts, pushed over SSH against through the testbed's binary cache. The
 * deployer's bytes sent: NAR bytes copied over SSH (the closure to every
 * host, or what the transfer events say came over SSH) plus what it wrote
 * to the cache.
 */
async function cacheRow(sshConfig: string, mb = 4): Promise<string> {
  const url = (await tb(["cache", "up"])).stdout.trim();
  const upload = (await tb(["cache", "upload"])).stdout.trim();
  const cacheDir = upload.replace(/^file:\/\//, "");
  const du = async () => Number((await runChecked(["du", "-sb", cacheDir])).stdout.split("\t")[0]);
  const env = { LOCAL_KEY: join(TESTBED_DIR, "signing-key.sec") };
  const bytes: Record<string, number[]> = { ssh: [], cache: [] };
  const fleetOfOne = (through: boolean) => {
    const dir = mkdtempSync(join(tmpdir(), "deploy-ts-bench-"));
    const stamp = `${Date.now()}-${generation++}`;
    const nodes = Array.from({ length: 8 }, (_, i) => `h${i + 1}`).map((h) =>
      `${h} = { hostname = "${h}"; profiles.system = { user = "root"; path = prof; }; };`
    );
    const cache = through
      ? `binaryCache = { upload = ${nixStringLiteral(`${upload}?compression=zstd`)}; url = ${
        nixStringLiteral(url)
      }; };`
      : "";
    writeFileSync(
      join(dir, "flake.nix"),
      `{ outputs = { self }: let
      prof = builtins.derivation {
        name = "bench-blob"; system = "x86_64-linux"; builder = "/bin/sh"; PATH = "/usr/bin:/bin";
        stamp = ${nixStringLiteral(stamp)};
        args = [ "-c" "mkdir -p $out && head -c ${mb}000000 /dev/urandom > $out/blob && printf '#!/bin/sh\\necho $stamp\\n' > $out/deploy-ts-activate && chmod +x $out/deploy-ts-activate" ];
      };
    in { deploy = { sshUser = "root"; ${cache} sshOpts = [ "-F" ${
        nixStringLiteral(sshConfig)
      } ]; nodes = { ${nodes.join(" ")} }; }; }; }`,
    );
    return dir;
  };
  const deployed = async (through: boolean) => {
    const dir = fleetOfOne(through);
    const before = await du();
    const r = await runChecked(
      accounted([DENO, "run", "-A", BUNDLE, "-s", "--json", "--jobs", "8", dir]),
      { cwd: dir, env },
    );
    const events = r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l));
    if (through) {
      const overSsh = events.filter((e) => e.type === "transfer")
        .reduce((sum, e) => sum + e.overSsh.bytes, 0);
      bytes.cache.push(overSsh + (await du()) - before);
    } else {
      const built = await runChecked(
        ["nix", "build", "--no-link", "--json", `${dir}#deploy.nodes.h1.profiles.system.path`],
      );
      const path = JSON.parse(built.stdout)[0].outputs.out;
      const info = JSON.parse((await runChecked(["nix", "path-info", "--json", path])).stdout);
      const entry = Array.isArray(info) ? info[0] : Object.values(info)[0];
      bytes.ssh.push(8 * (entry as { narSize: number }).narSize);
    }
  };
  // Warm up: the helper reaches the cache once, as it would on a fleet's first run.
  await deployed(true);
  bytes.cache = [];
  const f = await compare(`(h) 8 hosts, one ${mb} MB closure: over SSH / through the cache`, {
    "over SSH (--jobs 8)": { run: () => deployed(false), hosts: 8 },
    "through the binary cache (--jobs 8)": { run: () => deployed(true), hosts: 8 },
  });
  const sent = (k: string) => (median(bytes[k]) / 1e6).toFixed(1);
  console.log(
    `  deployer's bytes sent (median): over SSH ${sent("ssh")} MB, through the cache ${
      sent("cache")
    } MB`,
  );
  await tb(["cache", "down"]);
  return `(h) cache/SSH = ${
    ratio(f, "through the binary cache (--jobs 8)", "over SSH (--jobs 8)")
  }x wall, ${sent("cache")} / ${sent("ssh")} MB sent, host CPU per host ${
    f["through the binary cache (--jobs 8)"].hostCpu.toFixed(2)
  } / ${f["over SSH (--jobs 8)"].hostCpu.toFixed(2)} s`;
}

try {
  await tb(["down"]);
  await tb(["up", "8"]);
  const sshConfig = join(TESTBED_DIR, "ssh_config");
  // Warm up: the helper's closure (Deno) reaches every host once, as in any real second deployment.
  await deployTs(fleet(8, sshConfig));

  const a = await compare("(a) one host, one profile, a new closure each time", {
    "hand-written nix build + nix copy + 2x ssh": {
      run: () => byHand(fleet(1, sshConfig), sshConfig),
      hosts: 1,
    },
    "deploy-ts --magic-rollback false": {
      run: () => deployTs(fleet(1, sshConfig), ["--magic-rollback", "false"]),
      hosts: 1,
    },
    "deploy-ts (magic rollback, confirmed)": { run: () => deployTs(fleet(1, sshConfig)), hosts: 1 },
    // The least a confirmation over a fresh connection can cost: one more login.
    "hand-written + one more fresh ssh login": {
      run: async () => {
        await byHand(fleet(1, sshConfig), sshConfig);
        await runChecked(accounted(["ssh", "-F", sshConfig, "root@h1", "true"]));
      },
      hosts: 1,
    },
  });
  const b = await compare("(b) the same deployment to 1 and to 8 hosts", {
    "1 host": { run: () => deployTs(fleet(1, sshConfig)), hosts: 1 },
    "8 hosts (--jobs 8)": { run: () => deployTs(fleet(8, sshConfig), ["--jobs", "8"]), hosts: 8 },
  });
  const startDir = mkdtempSync(join(tmpdir(), "deploy-ts-bench-"));
  const empty = join(startDir, "empty.mjs");
  writeFileSync(empty, "");
  // Deno's caches of its own, as each host has: one that other Deno processes
  // of this machine write at the same time sometimes keeps nothing. Each
  // contender runs once first, so the rows are starts with warm caches.
  const startEnv = { env: { DENO_DIR: join(startDir, "deno-dir") } };
  const starting: Record<string, string[]> = {
    "deno run (an empty script)": [DENO, "run", "-A", empty],
    "deploy --help (the bundle)": [DENO, "run", "-A", BUNDLE, "--help"],
    // What every helper start on a host costs: a helper subcommand of the bundle.
    "helper start (deploy query, on the helper's path)": [
      DENO,
      "run",
      "-A",
      BUNDLE,
      "query",
      "--profile-path",
      "/nonexistent/p",
    ],
  };
  for (const argv of Object.values(starting)) await runChecked(argv, startEnv);
  const c = await compare(
    "(c) start-up under Deno",
    Object.fromEntries(
      Object.entries(starting).map(([k, argv]) => [k, {
        run: () => runChecked(accounted(argv), startEnv),
        hosts: 0,
      }]),
    ),
  );
  const starts = await helperStartsPerProfile(sshConfig);
  const d = await compare("(d) transports: one host, magic rollback (confirmed)", {
    "OpenSSH (ControlMaster)": { run: () => deployTs(fleet(1, sshConfig)), hosts: 1 },
    "built-in (--transport ssh2)": {
      run: () => deployTs(fleet(1, sshConfig), ["--transport", "ssh2"]),
      hosts: 1,
    },
  });
  const e = await compare("(e) transports: 8 hosts (--jobs 8)", {
    "OpenSSH (ControlMaster)": {
      run: () => deployTs(fleet(8, sshConfig), ["--jobs", "8"]),
      hosts: 8,
    },
    "built-in (--transport ssh2)": {
      run: () => deployTs(fleet(8, sshConfig), ["--jobs", "8", "--transport", "ssh2"]),
      hosts: 8,
    },
  });
  const f = await compare("(f) 8 hosts: deploy-ts against a hand-written parallel loop", {
    "hand-written loop (nix copy + 2x ssh per host, in parallel)": {
      run: () => byHandParallel(fleet(8, sshConfig), sshConfig, 8),
      hosts: 8,
    },
    "deploy-ts --jobs 8 (magic rollback, confirmed)": {
      run: () => deployTs(fleet(8, sshConfig), ["--jobs", "8"]),
      hosts: 8,
    },
  });
  const g = await compare("(g) 8 hosts: a first deployment to new hosts, and a second one", {
    "first deployment (new hosts: the helper's closure is copied too)": {
      prepare: async () => {
        await tb(["down"]);
        await tb(["up", "8"]);
      },
      run: () => deployTs(fleet(8, sshConfig), ["--jobs", "8"]),
      hosts: 8,
    },
    "second deployment (the same hosts)": {
      run: () => deployTs(fleet(8, sshConfig), ["--jobs", "8"]),
      hosts: 8,
    },
  });
  const h = await cacheRow(sshConfig);
  const cpu = (m: Medians) =>
    (m["built-in (--transport ssh2)"].deployerCpu / m["OpenSSH (ControlMaster)"].deployerCpu)
      .toFixed(2);
  console.log(
    `\nSummary: (a) deploy-ts/hand = ${
      ratio(
        a,
        "deploy-ts (magic rollback, confirmed)",
        "hand-written nix build + nix copy + 2x ssh",
      )
    }x with magic rollback, ${
      ratio(a, "deploy-ts --magic-rollback false", "hand-written nix build + nix copy + 2x ssh")
    }x without; (b) 8 hosts/1 host = ${
      ratio(b, "8 hosts (--jobs 8)", "1 host")
    }x; (c) --help/empty = ${
      ratio(c, "deploy --help (the bundle)", "deno run (an empty script)")
    }x (wall), ${
      cpuRatio(c, "deploy --help (the bundle)", "deno run (an empty script)")
    }x (CPU); helper start/empty = ${
      cpuRatio(c, "helper start (deploy query, on the helper's path)", "deno run (an empty script)")
    }x (CPU), ${starts} helper starts per profile; with magic rollback / (hand + 1 login) = ${
      ratio(a, "deploy-ts (magic rollback, confirmed)", "hand-written + one more fresh ssh login")
    }x; bundle ${
      (statSync(BUNDLE).size / 1e6).toFixed(2)
    } MB, the helper's closure ${await helperClosureMb()} MB; built-in/OpenSSH: (d) one host ${
      ratio(d, "built-in (--transport ssh2)", "OpenSSH (ControlMaster)")
    }x wall, ${cpu(d)}x deployer CPU; (e) 8 hosts ${
      ratio(e, "built-in (--transport ssh2)", "OpenSSH (ControlMaster)")
    }x wall, ${cpu(e)}x deployer CPU per host; (f) 8 hosts deploy-ts/hand-written parallel loop = ${
      ratio(
        f,
        "deploy-ts --jobs 8 (magic rollback, confirmed)",
        "hand-written loop (nix copy + 2x ssh per host, in parallel)",
      )
    }x; (g) first/second deployment to 8 hosts = ${
      ratio(
        g,
        "first deployment (new hosts: the helper's closure is copied too)",
        "second deployment (the same hosts)",
      )
    }x; host CPU per profile deploy-ts/hand-written = ${
      (a["deploy-ts (magic rollback, confirmed)"].hostCpu /
        a["hand-written nix build + nix copy + 2x ssh"].hostCpu).toFixed(2)
    }x; ${h}; on ${navigator.hardwareConcurrency} cores, ${new Date().toISOString().slice(0, 10)}`,
  );
} finally {
  await run([join(REPO, "scripts", "testbed"), "down"], { env: { TESTBED_DIR, TESTBED_NET } });
  await run(["rmdir", DEPLOYER_CGROUP]);
}
