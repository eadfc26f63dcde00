import assert from "node:assert/strict";
import { type FollowContext, RunFollower } from "./run_follower.ts";
import type { RunOptions, RunResult } from "../process/run.ts";
import type { Transport } from "../ssh/transport.ts";
import type { ProfilePlan } from "../config/plan.ts";
import { planOf } from "../config/plan_testing.ts";
import { encodeOffer } from "../wire/offer.ts";

const plan: ProfilePlan = planOf("web", {
  profile: "app",
  path: "/nix/store/abc-app",
  settings: { sshUser: "root", user: "root", healthTimeout: 0 },
});

const status = {
  phase: "done",
  pid: 42,
  profilePath: "/nix/var/nix/profiles/system",
  closure: "/nix/store/abc-app",
  previousGeneration: 1,
  newGeneration: 2,
  createdGeneration: 2,
  startedAt: 1,
  updatedAt: 2,
};
const TOKEN = "ab".repeat(32);
const ev = {
  run: JSON.stringify({ type: "run", runDir: "/run/r1", token: TOKEN }),
  window: JSON.stringify({
    type: "phase",
    phase: "awaiting-confirmation",
    status: { ...status, phase: "awaiting-confirmation" },
  }),
  outcome: (outcome: string, ok: boolean, message: string) =>
    JSON.stringify({ type: "outcome", outcome, ok, message, status }),
};

const ended = (code: number | null, stderr = ""): RunResult => ({
  argv: [],
  code,
  signal: null,
  stdout: "",
  stderr,
  timedOut: false,
});

/** A follower over a transport whose fresh connections (the offers) exit with `offerCode`. */
function follower(offerCode = 0, checks = {}) {
  const logs: [string, string][] = [];
  const phases: string[] = [];
  const offers: { argv: readonly string[]; input?: string }[] = [];
  const transport: Transport = {
    destination: "root@web",
    open: () => Promise.resolve(),
    run: () => Promise.resolve(ended(0)),
    runFresh: (argv: readonly string[], o: RunOptions = {}) => {
      offers.push({ argv, input: o.input });
      return Promise.resolve({ ...ended(offerCode, offerCode ? "Permission denied\n" : "") });
    },
    nixStore: () => ({ uri: "ssh://x", env: {}, destination: "x" }),
    close: () => Promise.resolve(),
  };
  const ctx: FollowContext = {
    transport,
    helper: "/h",
    deployer: "ops@laptop",
    onLog: (line, source) => logs.push([source, line]),
    onPhase: (phase, message) => phases.push(`${phase}: ${message ?? ""}`),
  };
  return { f: new RunFollower(plan, ctx, checks), logs, phases, offers };
}

Deno.test("run follower: host log and other text shown, a malformed event shown and never an outcome", () => {
  const { f, logs } = follower();
  f.onLine(ev.run);
  f.onLine(JSON.stringify({ type: "log", line: "activating" }));
  f.onLine("plain text");
  f.onLine("   ");
  f.onLine(JSON.stringify({ type: "outcome", outcome: "kinda", ok: true }));
  assert.equal(f.runDir, "/run/r1");
  assert.equal(f.token, TOKEN);
  assert.deepEqual(logs.slice(0, 2), [["host", "activating"], ["ssh", "plain text"]]);
  assert.equal(logs.length, 3);
  assert.match(
    logs[2][1],
    /^the helper on the host printed an event this deployer does not understand/,
  );
  assert.equal(f.outcome, undefined);
  const lost = f.activationOutcome(ended(255));
  assert.equal(lost.outcome, "lost");
  assert.match(
    lost.message,
    /^lost contact with the host during activation \(ssh exited with code 255\)/,
  );
  assert.match(lost.message, /\(run \/run\/r1\)$/);
});

Deno.test("run follower: without a run the helper did not start, and says why from ssh's stderr", () => {
  const { f } = follower();
  const o = f.activationOutcome(ended(127, "deploy: not found\n"));
  assert.deepEqual(o, {
    outcome: "lost",
    ok: false,
    message: "the helper did not start: deploy: not found",
    runDir: undefined,
  });
});

Deno.test("run follower: the window opens, the token is offered over a fresh connection, the outcome carries the generations", async () => {
  const { f, phases, offers } = follower();
  f.onLine(ev.run);
  f.onLine(ev.window);
  f.onLine(ev.window); // confirmed once only
  await f.confirmation;
  f.onLine(ev.outcome("confirmed", true, "confirmed"));
  assert.deepEqual(phases, ["confirming: confirming over a new SSH connection"]);
  assert.equal(offers.length, 1);
  assert.equal(offers[0].input, encodeOffer({ kind: "confirm", token: TOKEN }));
  assert.deepEqual(f.activationOutcome(ended(0)), {
    outcome: "confirmed",
    ok: true,
    message: "confirmed",
    runDir: "/run/r1",
    previousGeneration: 1,
    newGeneration: 2,
    createdGeneration: 2,
  });
});

Deno.test("run follower: a confirmation that fails says so in the host's failed outcome", async () => {
  const { f, logs } = follower(1);
  f.onLine(ev.run);
  f.onLine(ev.window);
  await f.confirmation;
  f.onLine(ev.outcome("rolled-back", false, "not confirmed in time"));
  assert.deepEqual(logs.at(-1), [
    "ssh",
    "confirming over a new connection failed (Permission denied); the host rolls back by itself",
  ]);
  assert.equal(
    f.activationOutcome(ended(0)).message,
    "not confirmed in time (confirming over a new connection failed (Permission denied); the host rolls back by itself)",
  );
});

Deno.test("run follower: a deployer check that keeps failing declines the offer and names the check", async () => {
  const { f, offers, phases } = follower(0, { web: { tcp: "127.0.0.1:1" } });
  f.onLine(ev.run);
  f.onLine(ev.window);
  await f.confirmation;
  assert.deepEqual(phases, ["confirming: running health checks"]);
  assert.equal(offers.length, 1);
  assert.ok(
    offers[0].input!.startsWith(
      `deploy-ts-offer decline ${TOKEN} health check web (tcp)`,
    ),
  );
  assert.equal(f.confirmError, undefined, "the host was told");
  f.onLine(ev.outcome("rolled-back", false, "declined"));
  const o = f.activationOutcome(ended(0));
  assert.equal(o.failedCheck?.name, "web");
  assert.equal(o.message, "declined");
});

Deno.test("run follower: an activation's run event without a token is refused; nothing is offered", async () => {
  const { f, offers, logs } = follower(0);
  f.onLine(JSON.stringify({ type: "run", runDir: "/run/r1" }));
  assert.equal(f.token, undefined);
  assert.ok(logs.some(([, line]) => /without a token to confirm it/.test(line)), String(logs));
  f.onLine(ev.window);
  await f.confirmation;
  assert.equal(offers.length, 0, "no offer without the run's token");
});
