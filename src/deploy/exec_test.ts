import assert from "node:assert/strict";
import type { ProfilePlan } from "../config/plan.ts";
import { planOf } from "../config/plan_testing.ts";
import type { RunOptions, RunResult } from "../process/run.ts";
import type { Transport } from "../ssh/transport.ts";
import { DeployError } from "../shared/errors.ts";
import { execArgv, execFailure, execOnNodes, execPasswordNeeds } from "./exec.ts";

interface Call {
  destination: string;
  argv: readonly string[];
  input?: string;
}

/** Transports that answer each command with `answer(node, argv)` and record what ran. */
function fakeHosts(answer: (p: ProfilePlan, argv: readonly string[]) => Partial<RunResult>) {
  const calls: Call[] = [];
  const opened: string[] = [];
  const closed: string[] = [];
  const connect = (p: ProfilePlan): Transport => ({
    destination: `${p.settings.sshUser}@${p.hostname}`,
    open() {
      opened.push(p.hostname);
      if (p.hostname === "down") return Promise.reject(new DeployError("ssh: connection refused"));
      return Promise.resolve();
    },
    run(argv: readonly string[], options: RunOptions = {}) {
      calls.push({
        destination: `${p.settings.sshUser}@${p.hostname}`,
        argv,
        input: options.input,
      });
      const r = {
        argv,
        code: 0,
        signal: null,
        stdout: "",
        stderr: "",
        timedOut: false,
        ...answer(p, argv),
      };
      for (const line of r.stdout.split("\n").filter((l) => l)) options.onStdoutLine?.(line);
      for (const line of r.stderr.split("\n").filter((l) => l)) options.onStderrLine?.(line);
      return Promise.resolve(r);
    },
    runFresh() {
      throw new Error("not used");
    },
    nixStore() {
      throw new Error("not used");
    },
    close() {
      closed.push(p.hostname);
      return Promise.resolve();
    },
  });
  return { calls, opened, closed, connect };
}

const node = (name: string, hostname = name, profile = "system"): ProfilePlan => ({
  ...planOf(name, { profile }),
  hostname,
  settings: { ...planOf(name).settings, sshUser: "deploy", user: "root" },
});

Deno.test("exec: the command runs once per node, by the remote shell, as sshUser; lines are the node's", async () => {
  const hosts = fakeHosts((p) => ({ stdout: `hi from ${p.node}\n`, stderr: "warn\n" }));
  const lines: string[] = [];
  const results = await execOnNodes({
    plan: [node("a"), node("a", "a", "app"), node("b")],
    command: ["echo", "hi", ">", "/tmp/x"],
    jobs: 8,
    passwords: new Map(),
    connect: hosts.connect,
    onLine: (n, stream, line) => lines.push(`${n} ${stream} ${line}`),
  });
  assert.deepEqual(hosts.calls.map((c) => [c.destination, c.argv]), [
    ["deploy@a", ["sh", "-c", "echo hi > /tmp/x"]],
    ["deploy@b", ["sh", "-c", "echo hi > /tmp/x"]],
  ]);
  assert.deepEqual(lines.sort(), [
    "a stderr warn",
    "a stdout hi from a",
    "b stderr warn",
    "b stdout hi from b",
  ]);
  assert.deepEqual(results.map((r) => [r.node, r.code, r.ok]), [["a", 0, true], ["b", 0, true]]);
  assert.deepEqual(hosts.closed.sort(), ["a", "b"]);
});

Deno.test("exec: nodes that reach one host the same way share one login", async () => {
  const hosts = fakeHosts(() => ({}));
  await execOnNodes({
    plan: [node("a", "shared"), node("b", "shared"), node("c")],
    command: ["true"],
    jobs: 2,
    passwords: new Map(),
    connect: hosts.connect,
  });
  assert.deepEqual(hosts.opened.sort(), ["c", "shared"]);
  assert.equal(hosts.calls.length, 3);
});

Deno.test("exec: --as runs through the node's sudo; the same user as sshUser needs none", () => {
  const s = { ...node("a").settings, user: "postgres", sudo: "doas -u" };
  assert.deepEqual(execArgv(s, ["psql", "-c", "'select 1'"]), [
    "doas",
    "-u",
    "postgres",
    "sh",
    "-c",
    "psql -c 'select 1'",
  ]);
  assert.deepEqual(execArgv({ ...s, user: "deploy" }, ["id"]), ["sh", "-c", "id"]);
});

Deno.test("exec: with interactiveSudo the password goes only to a sudo that asks", async () => {
  const plan = ["asks", "nopasswd"].map((n) => ({
    ...node(n),
    settings: { ...node(n).settings, interactiveSudo: true },
  }));
  assert.deepEqual(execPasswordNeeds(plan, "root"), [
    { node: "asks", user: "root" },
    { node: "nopasswd", user: "root" },
  ]);
  assert.deepEqual(execPasswordNeeds(plan, undefined), []);
  const hosts = fakeHosts((p, argv) => ({
    code: argv.includes("true") && p.node === "asks" ? 1 : 0,
  }));
  await execOnNodes({
    plan,
    command: ["id"],
    as: "root",
    jobs: 2,
    passwords: new Map([["asks", "pw"], ["nopasswd", "pw"]]),
    connect: hosts.connect,
  });
  const ran = hosts.calls.filter((c) => c.argv.includes("id"));
  assert.deepEqual(ran.map((c) => [c.destination, c.argv.slice(0, 6), c.input]), [
    ["deploy@asks", ["sudo", "-k", "-S", "-p", "", "-u"], "pw\n"],
    ["deploy@nopasswd", ["sudo", "-n", "-u", "root", "sh", "-c"], undefined],
  ]);
});

Deno.test("exec: a failed command and a failed login are results; the error names each node", async () => {
  const hosts = fakeHosts((p) => ({ code: p.node === "bad" ? 3 : 0 }));
  const results = await execOnNodes({
    plan: [node("ok"), node("bad"), node("gone", "down")],
    command: ["check"],
    jobs: 8,
    passwords: new Map(),
    connect: hosts.connect,
  });
  assert.deepEqual(results.map((r) => [r.node, r.code, r.ok]), [
    ["ok", 0, true],
    ["bad", 3, false],
    ["gone", null, false],
  ]);
  assert.equal(
    execFailure(results)?.message,
    "the command failed on 2 of 3 nodes: bad (exit 3), gone (no login: ssh: connection refused)",
  );
  assert.equal(execFailure(results.slice(0, 1)), undefined);
});
