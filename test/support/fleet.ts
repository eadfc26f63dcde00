/**
 * Fleet flakes for end-to-end deployments: nodes on testbed hosts, profiles
 * whose `deploy-ts-activate` prints, records itself on the host in
 * /tmp/activations-<user>, and can sleep, fail or run extra shell.
 */
import { join } from "node:path";
import { nixStringLiteral } from "../../src/nix/nix_string.ts";
import { deployCli } from "./cli.ts";
import { TEST_SYSTEM, writeTree } from "./flake.ts";
import type { NixVersion, Testbed } from "./testbed.ts";
import type { RunResult } from "../../src/process/run.ts";

export interface FleetProfile {
  message: string;
  exitCode?: number;
  sleep?: number;
  /** Extra shell run by the activation on the host. */
  script?: string;
  /** The profile's derivation fails to build (printing this-build-fails). */
  buildFails?: boolean;
  /** Any deploy settings of the profile (user, magicRollback, …). */
  settings?: Record<string, unknown>;
}

export interface FleetNode {
  hostname: string;
  settings?: Record<string, unknown>;
  profilesOrder?: string[];
  profiles: Record<string, FleetProfile>;
}

const PROF = `prof = { message, exitCode ? 0, sleep ? 0, script ? "" }: builtins.derivation {
      name = "profile-" + message;
      system = ${nixStringLiteral(TEST_SYSTEM)};
      builder = "/bin/sh";
      PATH = "/usr/bin:/bin";
      entry = ''
        #!/bin/sh
        echo "activating ${"${message}"} as $(id -un)"
        echo "${"${message}"} start $(date +%s.%N)" >> /tmp/activations-$(id -un)
        sleep ${"${toString sleep}"}
        ${"${script}"}
        echo "${"${message}"} end $(date +%s.%N)" >> /tmp/activations-$(id -un)
        exit ${"${toString exitCode}"}
      '';
      args = [ "-c" "mkdir -p $out && printf '%s' \\"$entry\\" > $out/deploy-ts-activate && chmod +x $out/deploy-ts-activate" ];
    };`;

function json(value: unknown): string {
  return `(builtins.fromJSON ${nixStringLiteral(JSON.stringify(value))})`;
}

const BROKEN = `builtins.derivation {
      name = "broken-profile";
      system = ${nixStringLiteral(TEST_SYSTEM)};
      builder = "/bin/sh";
      args = [ "-c" "echo this-build-fails >&2; exit 1" ];
    }`;

function profileExpr(p: FleetProfile): string {
  if (p.buildFails) return `${json(p.settings ?? {})} // { path = ${BROKEN}; }`;
  const args = {
    message: p.message,
    ...(p.exitCode ? { exitCode: p.exitCode } : {}),
    ...(p.sleep ? { sleep: p.sleep } : {}),
    ...(p.script ? { script: p.script } : {}),
  };
  return `${json(p.settings ?? {})} // { path = prof ${json(args)}; }`;
}

/** Write a flake whose `deploy` output reaches testbed hosts; returns its directory. */
export function fleetFlake(
  tb: Testbed,
  nodes: Record<string, FleetNode>,
  top: Record<string, unknown> = {},
): string {
  const nodeExprs = Object.entries(nodes).map(([name, n]) => {
    const profiles = Object.entries(n.profiles).map(([pn, p]) =>
      `${nixStringLiteral(pn)} = ${profileExpr(p)};`
    );
    const node = {
      hostname: n.hostname,
      ...(n.profilesOrder ? { profilesOrder: n.profilesOrder } : {}),
      ...(n.settings ?? {}),
    };
    return `${nixStringLiteral(name)} = ${json(node)} // { profiles = { ${
      profiles.join(" ")
    } }; };`;
  });
  const deploy = { sshOpts: tb.sshOpts, sshUser: "root", ...top };
  return writeTree({
    "flake.nix": `{
  outputs = { self }:
    let
      ${PROF}
    in {
      deploy = ${json(deploy)} // { nodes = { ${nodeExprs.join("\n        ")} }; };
    };
}`,
  });
}

/**
 * Every testbed host as a node of its own with one `system` profile whose
 * message is `<host>-<version>`, and what `more` adds to a host's profile.
 */
export function hostsFleet(
  tb: Testbed,
  version: string,
  more: (host: string) => Partial<FleetProfile> = () => ({}),
  top: Record<string, unknown> = {},
): string {
  return fleetFlake(
    tb,
    Object.fromEntries(tb.hosts.map((h) => [h, {
      hostname: h,
      profiles: { system: { message: `${h}-${version}`, ...more(h) } },
    }])),
    top,
  );
}

/** `deploy ARGS` in a fleet flake's directory, checks skipped, plain output. */
export function deployFleet(
  dir: string,
  args: string[],
  options: { env?: Record<string, string>; input?: string; nix?: NixVersion } = {},
): Promise<RunResult> {
  return deployCli(["-s", "--no-progress", ...args], { cwd: dir, ...options });
}

/** What ran on a host as a user: the messages of the activations, in order. */
export async function activations(tb: Testbed, host: string, user = "root"): Promise<string[]> {
  const r = await tb.exec(host, ["sh", "-c", `cat /tmp/activations-${user} 2>/dev/null || true`]);
  return r.stdout.split("\n").filter((l) => l.includes(" end ")).map((l) => l.split(" ")[0]);
}

/** Where a host's profile points now (a store path), or "" when it does not exist. */
export async function profileTarget(
  tb: Testbed,
  host: string,
  profilePath: string,
): Promise<string> {
  const r = await tb.exec(host, ["sh", "-c", `readlink -e ${profilePath} 2>/dev/null || true`]);
  return r.stdout.trim();
}

export const ROOT_PROFILE = (name: string) =>
  name === "system"
    ? "/nix/var/nix/profiles/system"
    : join("/nix/var/nix/profiles/per-user/root", name);
