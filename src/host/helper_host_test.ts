import assert from "node:assert/strict";
import { HelperHost } from "./helper_host.ts";
import { checkHealthLimitMs } from "./deadlines.ts";
import type { RunOptions, RunResult } from "../process/run.ts";
import type { Transport } from "../ssh/transport.ts";
import type { ProfilePlan } from "../config/plan.ts";
import { DEFAULTS } from "../config/settings.ts";

const QUERY_OUT =
  '{"profilePath":"/p","generation":null,"closure":null,"generations":[],"record":null}\n';

/** A host whose sudo asks (probe exit 1) or not (exit 0); records every command. */
function host(sudoAsks: boolean, password = "hunter2") {
  const seen: { argv: readonly string[]; input?: string }[] = [];
  const answer = (argv: readonly string[], o: RunOptions = {}): Promise<RunResult> => {
    seen.push({ argv, input: o.input });
    const probe = argv.at(-1) === "true" && argv.includes("-n");
    // The password tried alone: taken when it is hunter2.
    const check = argv.at(-1) === "true" && argv.includes("-S");
    const refused = (probe && sudoAsks) || (check && o.input !== "hunter2\n") ||
      (argv.includes("-S") && !o.input?.startsWith("hunter2\n"));
    return Promise.resolve({
      argv,
      code: refused ? 1 : 0,
      signal: null,
      stdout: probe || check || refused ? "" : QUERY_OUT,
      stderr: probe && sudoAsks ? "sudo: a password is required\n" : "",
      timedOut: false,
    });
  };
  const h = new HelperHost(fakeTransport(answer), {
    package: "/nix/store/xyz-deploy-ts",
    deployer: "ops@laptop",
    passwords: new Map([["web", password]]),
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
  const probes = seen.filter((c) => c.argv.at(-1) === "true" && c.argv.includes("-n"));
  assert.deepEqual(probes.map((c) => c.argv.at(-2)), ["alice", "bob"]);
  // The password is tried alone once per target user, before any command's own input follows it.
  const checks = seen.filter((c) => c.argv.at(-1) === "true" && c.argv.includes("-S"));
  assert.deepEqual(checks.map((c) => [c.argv.at(-2), c.input]), [
    ["alice", "hunter2\n"],
    ["bob", "hunter2\n"],
  ]);
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

Deno.test("sudo password: a refused one is tried alone, and nothing with more on stdin follows it (sudo would read the request line as the next attempt)", async () => {
  const { h, seen } = host(true, "wrong");
  await assert.rejects(
    () => h.query(plan("alice")),
    /sudo on deploy@web refused the password of deploy \(to run as alice\); nothing else was sent/,
  );
  const watch = { onLog: () => {}, onPhase: () => {} };
  const outcome = await h.activate(plan("alice"), { goal: "switch" }, watch);
  assert.deepEqual([outcome.outcome, outcome.ok], ["failed", false]);
  assert.match(outcome.message, /refused the password/);
  // What reached sudo -S: the password line alone, tried once.
  const withPassword = seen.filter((c) => c.input?.startsWith("wrong"));
  assert.deepEqual(withPassword.map((c) => c.input), ["wrong\n"]);
});

/** A transport that records what each command got on stdin, and answers like a helper. */
function recordingTransport(
  stdin: (string | undefined)[],
  argvs: (readonly string[])[] = [],
  stdout = QUERY_OUT,
): Transport {
  const answer = (argv: readonly string[], o: RunOptions = {}): Promise<RunResult> => {
    stdin.push(o.input);
    argvs.push(argv);
    return Promise.resolve({
      argv,
      code: 0,
      signal: null,
      // By default what `deploy query` prints for a profile that does not exist yet.
      stdout,
      stderr: "",
      timedOut: false,
    });
  };
  return fakeTransport(answer);
}

/** A transport whose every command (on the login or a fresh one) gets `answer`. */
function fakeTransport(
  answer: (argv: readonly string[], o?: RunOptions) => Promise<RunResult>,
): Transport {
  return {
    destination: "deploy@web",
    open: () => Promise.resolve(),
    run: answer,
    runFresh: answer,
    nixStore: () => ({ uri: "ssh://x", env: {}, destination: "x" }),
    close: () => Promise.resolve(),
  };
}

const setup = { package: "/h", deployer: "ops@laptop", passwords: new Map<string, string>() };

const checkPlan: ProfilePlan = {
  ...plan("alice"),
  profile: "my app",
  settings: { ...DEFAULTS, sshUser: "deploy", user: "alice", sshOpts: [] },
};

Deno.test("health checks: on stdin in the request line, never on argv (check-health)", async () => {
  const secret = ["curl", "-H", "Authorization: Bearer s3cret", "http://localhost/"];
  const stdin: (string | undefined)[] = [];
  const argvs: (readonly string[])[] = [];
  const transport = recordingTransport(stdin, argvs, '[{"name":"api","ok":true,"output":""}]\n');
  await new HelperHost(transport, setup).checkHealth(checkPlan, { api: secret });
  assert.ok(!argvs[0].some((w) => w.includes("s3cret")), argvs[0].join(" "));
  assert.match(stdin[0]!, /s3cret/);
});

Deno.test("deploy check gives up on a host that never answers, at its limit, naming the profile", async () => {
  const hanging: Transport = {
    ...recordingTransport([]),
    run: (argv, o: RunOptions = {}) =>
      new Promise((resolve) =>
        o.signal?.addEventListener(
          "abort",
          () => resolve({ argv, code: 255, signal: null, stdout: "", stderr: "", timedOut: false }),
        )
      ),
  };
  await assert.rejects(
    new HelperHost(hanging, setup).checkHealth(checkPlan, { api: ["true"] }, 50),
    (e: Error & { context?: { node?: string } }) =>
      /no answer to its health checks within 0s/.test(e.message) &&
      e.context?.node === checkPlan.node,
  );
  // The default limit: healthTimeout per check, and a margin for the login.
  const two = { a: ["true"], b: ["true"] };
  assert.equal(
    checkHealthLimitMs(checkPlan, two),
    (checkPlan.settings.healthTimeout * 2 + 15) * 1000,
  );
});

Deno.test("binary cache: which paths the host lacks, and a fetch that reached its time limit", async () => {
  const seen: (readonly string[])[] = [];
  const answer = (argv: readonly string[]): Promise<RunResult> => {
    seen.push(argv);
    const fetch = argv[0] === "timeout";
    return Promise.resolve({
      argv,
      code: fetch ? 124 : 0,
      signal: null,
      stdout: fetch ? "" : "/nix/store/b\n",
      stderr: "",
      timedOut: false,
    });
  };
  const h = new HelperHost(fakeTransport(answer), setup);
  assert.deepEqual(await h.missingPaths(["/nix/store/a", "/nix/store/b"]), ["/nix/store/b"]);
  assert.deepEqual(seen[0], [
    "nix-store",
    "--check-validity",
    "--print-invalid",
    "/nix/store/a",
    "/nix/store/b",
  ]);
  assert.deepEqual(await h.fetchFromCache("https://c", ["/nix/store/b"]), {
    code: 124,
    timedOut: true,
  });
  // A transport that fails is a fetch that did nothing, never a throw.
  const broken = new HelperHost(fakeTransport(() => Promise.reject(new Error("gone"))), setup);
  assert.deepEqual(await broken.fetchFromCache("https://c", ["/nix/store/b"]), {
    code: -1,
    timedOut: false,
  });
  await assert.rejects(broken.missingPaths(["/nix/store/b"]), /gone/);
});

Deno.test("binary cache: the host's NAR hashes, its own trust, and removing a path with what refers to it", async () => {
  const seen: (readonly string[])[] = [];
  const answer = (argv: readonly string[]): Promise<RunResult> => {
    seen.push(argv);
    const out: Record<string, [number, string]> = {
      "--hash": [0, "sha256:0aaa\nsha256:1bbb\n"],
      "--referrers-closure": [0, "/nix/store/b\n/nix/store/c\n"],
      "--delete": [0, ""],
      verify: [2, ""],
    };
    const [code, stdout] = out[argv.find((a) => a in out)!];
    return Promise.resolve({ argv, code, signal: null, stdout, stderr: "", timedOut: false });
  };
  const h = new HelperHost(fakeTransport(answer), setup);
  assert.deepEqual([...await h.narHashes(["/nix/store/a", "/nix/store/b"])], [
    ["/nix/store/a", "sha256:0aaa"],
    ["/nix/store/b", "sha256:1bbb"],
  ]);
  assert.equal(await h.trustsPaths(["/nix/store/b"]), false);
  assert.deepEqual(await h.deletePaths(["/nix/store/b"]), ["/nix/store/b", "/nix/store/c"]);
  assert.deepEqual(seen.at(-1), ["nix-store", "--delete", "/nix/store/b", "/nix/store/c"]);
  const broken = new HelperHost(
    fakeTransport((argv) =>
      Promise.resolve({ argv, code: 1, signal: null, stdout: "", stderr: "alive", timedOut: false })
    ),
    setup,
  );
  await assert.rejects(broken.deletePaths(["/nix/store/b"]), /alive/);
  await assert.rejects(broken.narHashes(["/nix/store/b"]), /alive/);
});
