/**
 * deploy-ts benchmarks (run with scripts/bench). Each comparison runs its
 * contenders alternately, several rounds, and reports medians and ratios:
 *
 * (a) one host, one profile: deploy-ts against the minimal hand-written
 *     sequence of the same commands (nix build, nix copy, ssh nix-env --set,
 *     ssh activate), which has no lock, no rollback and no confirmation;
 * (b) the same deployment to 1 and to 8 hosts;
 * (c) `deploy --help` start-up under Deno, against Deno running an empty script.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run, runChecked } from "../src/process/run.ts";
import { nixStringLiteral } from "../src/nix/nix_string.ts";
import { shellQuoteArgv } from "../src/ssh/shell_quote.ts";

const REPO = join(import.meta.dirname!, "..");
const DENO = join(REPO, "node_modules", ".bin", "deno");
const BUNDLE = join(REPO, "dist", "deploy.mjs");
const ROUNDS = Number(Deno.env.get("BENCH_ROUNDS") ?? 5);
const TESTBED_DIR = "/var/lib/deploy-ts/bench";
const tb = (args: string[]) =>
  runChecked([join(REPO, "scripts", "testbed"), ...args], {
    env: { TESTBED_DIR, TESTBED_NET: "127.0.50" },
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

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function compare(name: string, contenders: Record<string, () => Promise<unknown>>) {
  const times: Record<string, number[]> = Object.fromEntries(
    Object.keys(contenders).map((k) => [k, []]),
  );
  for (let round = 0; round < ROUNDS; round++) {
    for (const [k, fn] of Object.entries(contenders)) times[k].push(await time(fn));
  }
  const medians = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  const [base] = Object.keys(contenders);
  console.log(`\n${name} (median of ${ROUNDS}, alternating)`);
  for (const [k, m] of Object.entries(medians)) {
    console.log(
      `  ${k.padEnd(44)} ${m.toFixed(0).padStart(6)} ms   ${(m / medians[base]).toFixed(2)}x`,
    );
  }
  return medians;
}

const deployTs = (dir: string, extra: string[] = []) =>
  runChecked([DENO, "run", "-A", BUNDLE, "-s", "--no-progress", ...extra, dir], { cwd: dir });

/** The minimal hand-written deployment of one profile to one host. */
async function byHand(dir: string, sshConfig: string) {
  const built = await runChecked([
    "nix",
    "build",
    "--no-link",
    "--json",
    `${dir}#deploy.nodes.h1.profiles.system.path`,
  ]);
  const path: string = JSON.parse(built.stdout)[0].outputs.out;
  await runChecked(["nix", "copy", "--no-check-sigs", "--to", "ssh://root@h1", path], {
    env: { NIX_SSHOPTS: `-F ${sshConfig}` },
  });
  const profile = "/nix/var/nix/profiles/per-user/root/bench-by-hand";
  await runChecked([
    "ssh",
    "-F",
    sshConfig,
    "root@h1",
    shellQuoteArgv(["nix-env", "-p", profile, "--set", path]),
  ]);
  await runChecked([
    "ssh",
    "-F",
    sshConfig,
    "root@h1",
    shellQuoteArgv([`${profile}/deploy-ts-activate`]),
  ]);
}

try {
  await tb(["down"]);
  await tb(["up", "8"]);
  const sshConfig = join(TESTBED_DIR, "ssh_config");
  // Warm up: the helper's closure (Deno) reaches every host once, as in any real second deployment.
  await deployTs(fleet(8, sshConfig));

  const a = await compare("(a) one host, one profile, a new closure each time", {
    "hand-written nix build + nix copy + 2x ssh": () => byHand(fleet(1, sshConfig), sshConfig),
    "deploy-ts --magic-rollback false": () =>
      deployTs(fleet(1, sshConfig), ["--magic-rollback", "false"]),
    "deploy-ts (magic rollback, confirmed)": () => deployTs(fleet(1, sshConfig)),
  });
  const b = await compare("(b) the same deployment to 1 and to 8 hosts", {
    "1 host": () => deployTs(fleet(1, sshConfig)),
    "8 hosts (--jobs 8)": () => deployTs(fleet(8, sshConfig), ["--jobs", "8"]),
  });
  const empty = join(mkdtempSync(join(tmpdir(), "deploy-ts-bench-")), "empty.mjs");
  writeFileSync(empty, "");
  const c = await compare("(c) start-up under Deno", {
    "deno run (an empty script)": () => runChecked([DENO, "run", "-A", empty]),
    "deploy --help (the bundle)": () => runChecked([DENO, "run", "-A", BUNDLE, "--help"]),
  });
  console.log(
    `\nSummary: (a) deploy-ts/hand = ${
      (a["deploy-ts (magic rollback, confirmed)"] / a["hand-written nix build + nix copy + 2x ssh"])
        .toFixed(2)
    }x with magic rollback, ${
      (a["deploy-ts --magic-rollback false"] / a["hand-written nix build + nix copy + 2x ssh"])
        .toFixed(2)
    }x without; (b) 8 hosts/1 host = ${
      (b["8 hosts (--jobs 8)"] / b["1 host"]).toFixed(2)
    }x; (c) --help/empty = ${
      (c["deploy --help (the bundle)"] / c["deno run (an empty script)"]).toFixed(2)
    }x`,
  );
} finally {
  await run([join(REPO, "scripts", "testbed"), "down"], { env: { TESTBED_DIR } });
}
