import assert from "node:assert/strict";
import { progressView, renderFrame, type ViewState } from "./progress_view.ts";
import { whilePrompting } from "./terminal_prompts.ts";

const state: ViewState = {
  startedAt: 0,
  global: "building '/nix/store/x-web.drv'...",
  rows: [
    {
      node: "web",
      profile: "system",
      phase: "confirming",
      startedAt: 1000,
      last: "confirming over a new SSH connection",
      tail: [],
    },
    {
      node: "db",
      profile: "system",
      phase: "failed",
      startedAt: 0,
      finishedAt: 3000,
      last: "exited with code 1",
      tail: [],
    },
    { node: "db", profile: "tools", phase: "queued", last: "", tail: [] },
  ],
};

Deno.test("progress frame: header with counts, a line per profile with phase, elapsed and latest log", () => {
  const frame = renderFrame(state, 65000, 200, false);
  assert.equal(frame[0], "deploy-ts 1:05  2 nodes, 3 profiles: 0 done, 1 running, 1 failed");
  assert.equal(frame[1], "  building '/nix/store/x-web.drv'...");
  assert.equal(frame[2], "  web.system  confirming   1:04  confirming over a new SSH connection");
  assert.equal(frame[3], "  db.system   failed       0:03  exited with code 1");
  assert.equal(frame[4], "  db.tools    queued");
});

Deno.test("progress frame: cut to the terminal width; colours only when asked", () => {
  const narrow = renderFrame(state, 65000, 30, false);
  assert.ok(narrow.every((l) => l.length <= 29), JSON.stringify(narrow));
  assert.ok(!renderFrame(state, 65000, 200, false).join("").includes("\x1b["));
  const colored = renderFrame(state, 65000, 200, true);
  // deno-lint-ignore no-control-regex
  assert.match(colored[3], /\x1b\[31mfailed/);
});

Deno.test("progress view: a clock step does not change the elapsed times", () => {
  let out = "";
  const report = progressView((s) => (out += s), {
    width: () => 200,
    color: false,
    intervalMs: 1e6,
  });
  const realNow = Date.now;
  try {
    const at = (t: number) => new Date(t).toISOString();
    report({
      type: "phase",
      time: at(realNow()),
      node: "web",
      profile: "system",
      phase: "activating",
    });
    // The wall clock jumps an hour ahead (NTP, a VM resumed) while activating.
    const stepped = realNow() + 3_600_000;
    Date.now = () => stepped;
    report({ type: "phase", time: at(stepped), node: "web", profile: "system", phase: "done" });
    report({
      type: "summary",
      time: at(stepped),
      ok: true,
      profiles: [{ node: "web", profile: "system", status: "confirmed", ok: true, message: "" }],
    });
  } finally {
    Date.now = realNow;
  }
  assert.match(out, /deploy-ts 0:0\d /);
  assert.match(out, /web\.system +done +0:0\d/);
});

Deno.test("progress view: a row per node and profile, even when a node's name has a dot", () => {
  let out = "";
  const report = progressView((s) => (out += s), {
    width: () => 200,
    color: false,
    intervalMs: 1e6,
  });
  const time = new Date().toISOString();
  const where = [
    { node: "web.eu", profile: "system" },
    { node: "web", profile: "system" },
    // Written the same way as web.eu's system, and still another profile.
    { node: "web", profile: "eu.system" },
  ];
  for (const w of where) report({ type: "phase", time, ...w, phase: "queued" });
  report({ type: "log", time, node: "web", source: "nix", line: "copying to web" });
  report({ type: "log", time, node: "web.eu", source: "nix", line: "copying to web.eu" });
  report({ type: "phase", time, ...where[2], phase: "failed", message: "eu.system broke" });
  report({
    type: "summary",
    time,
    ok: false,
    profiles: where.map((w, i) => ({
      ...w,
      status: i === 2 ? "failed" : "confirmed",
      ok: i !== 2,
      message: i === 2 ? "eu.system broke" : "",
    })),
  });
  // The last frame drawn, before the summary: the view's own escapes taken out.
  // deno-lint-ignore no-control-regex
  const frame = out.split("\n\n")[0].replace(/\x1b\[\d*F|\x1b\[2K/g, "").split("\n");
  assert.match(frame[0], /^deploy-ts \d+:\d\d {2}2 nodes, 3 profiles: /);
  const rows = frame.slice(1);
  assert.deepEqual(rows.map((l) => l.replace(/ +/g, " ").trim()), [
    "web.eu.system queued copying to web.eu",
    "web.system queued copying to web",
    "web.eu.system failed 0:00 eu.system broke",
  ]);
  // The failing profile's log is its own node's: web's copy, not web.eu's.
  assert.match(out, /web\.eu\.system: eu\.system broke\n {2}\| copying to web\n/);
});

Deno.test("progress view: holds back while a prompt waits, then starts a new frame below it", async () => {
  let out = "";
  const report = progressView((s) => (out += s), { width: () => 200, color: false, intervalMs: 5 });
  const time = new Date().toISOString();
  report({ type: "phase", time, node: "web", profile: "system", phase: "connecting" });
  const tick = () => new Promise((r) => setTimeout(r, 30));
  await tick();
  assert.match(out, /web\.system +connecting/);
  let duringPrompt = "";
  await whilePrompting(async () => {
    out = "";
    await tick();
    duringPrompt = out;
    out = "Enter passphrase for key 'id': \n";
  });
  assert.equal(duringPrompt, "", "nothing is drawn over a waiting prompt");
  await tick();
  report({
    type: "summary",
    time,
    ok: true,
    profiles: [{ node: "web", profile: "system", status: "confirmed", ok: true, message: "" }],
  });
  // The first frame after the prompt does not move up over it.
  const after = out.slice(out.indexOf("\n") + 1);
  // deno-lint-ignore no-control-regex
  assert.doesNotMatch(after.split("deploy-ts")[0], /\x1b\[\d+F/);
});

Deno.test("progress frame: rows grouped under a heading per wave when there are several", () => {
  const row = (node: string, wave: number) => ({
    node,
    profile: "system",
    phase: "queued" as const,
    wave,
    last: "",
    tail: [],
  });
  const frame = renderFrame(
    { startedAt: 0, global: "", rows: [row("b", 1), row("a", 0), row("c", 1), row("d", 2)] },
    0,
    200,
    false,
  );
  assert.deepEqual(frame.slice(1), [
    "  wave 0",
    "  a.system  queued",
    "  wave 1",
    "  b.system  queued",
    "  c.system  queued",
    "  wave 2",
    "  d.system  queued",
  ]);
  const one = renderFrame({ startedAt: 0, global: "", rows: [row("a", 0)] }, 0, 200, false);
  assert.deepEqual(one.slice(1), ["  a.system  queued"], "one wave: no heading");
});
