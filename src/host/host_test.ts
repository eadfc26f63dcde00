import assert from "node:assert/strict";
import { HelperHost } from "./host.ts";
import type { RunOptions, RunResult } from "../process/run.ts";
import type { Transport } from "../ssh/transport.ts";
import type { ProfilePlan } from "../config/plan.ts";
import { DEFAULTS } from "../config/settings.ts";

const QUERY_OUT =
  '{"profilePath":"/p","generation":null,"closure":null,"generations":[],"record":null}\n';

/** A host whose sudo asks (probe exit 1) or not (exit 0); records every command. */
function host(sudoAsks: boolean) {
  const seen: { argv: readonly string[]; input?: string }[] = [];
  const answer = (argv: readonly string[], o: RunOptions = {}): Promise<RunResult> => {
    seen.push({ argv, input: o.input });
    const probe = argv.at(-1) === "true";
    return Promise.resolve({
      argv,
      code: probe && sudoAsks ? 1 : 0,
      signal: null,
      stdout: probe ? "" : QUERY_OUT,
      stderr: probe && sudoAsks ? "sudo: a password is required\n" : "",
      timedOut: false,
    });
  };
  const transport: Transport = {
    destination: "deploy@web",
    open: () => Promise.resolve(),
    run: answer,
    runFresh: answer,
    nixStore: () => ({ uri: "ssh://x", env: {}, destination: "x" }),
    close: () => Promise.resolve(),
  };
  const h = new HelperHost(transport, {
    package: "/nix/store/xyz-deploy-ts",
    deployer: "ops@laptop",
    passwords: new Map([["web", "hunter2"]]),
  });
  return { h, seen };
}

const plan = (user: string): ProfilePlan => ({
  repo: ".",
  node: "web",
  profile: user,
  hostname: "web",
  path: "/nix/store/abc-app",
  wave: 0,
  settings: { ...DEFAULTS, sshUser: "deploy", user, interactiveSudo: true },
});

Deno.test("sudo password: a sudo that does not ask (NOPASSWD, root) gets none, and runs with -n", async () => {
  const { h, seen } = host(false);
  await h.query(plan("alice"));
  await h.query(plan("alice"));
  // Asked once per login and target user, with -k (no cached credential) and -n (never reads).
  assert.deepEqual(seen[0].argv, ["sudo", "-k", "-n", "-u", "alice", "true"]);
  assert.equal(seen[0].input, undefined);
  assert.equal(seen.filter((c) => c.argv.at(-1) === "true").length, 1);
  for (const c of seen.slice(1)) {
    assert.deepEqual(c.argv.slice(0, 4), ["sudo", "-n", "-u", "alice"]);
    assert.equal(c.input, undefined, "no password for a sudo that does not ask");
  }
});

Deno.test("sudo password: a sudo that asks gets it on stdin (sudo -k -S), asked once per target user", async () => {
  const { h, seen } = host(true);
  await h.query(plan("alice"));
  await h.query(plan("alice"));
  await h.query(plan("bob"));
  const probes = seen.filter((c) => c.argv.at(-1) === "true");
  assert.deepEqual(probes.map((c) => c.argv.at(-2)), ["alice", "bob"]);
  const commands = seen.filter((c) => c.argv.at(-1) !== "true");
  assert.equal(commands.length, 3);
  for (const c of commands) {
    assert.deepEqual(c.argv.slice(0, 5), ["sudo", "-k", "-S", "-p", ""]);
    assert.equal(c.input, "hunter2\n");
  }
  // A profile of the SSH user itself: no probe, no sudo, no password.
  await h.query(plan("deploy"));
  assert.equal(seen.at(-1)!.argv[0], "/nix/store/xyz-deploy-ts/bin/deploy");
  assert.equal(seen.at(-1)!.input, undefined);
});
