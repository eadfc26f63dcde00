import assert from "node:assert/strict";
import { progressView, renderFrame, type ViewState } from "./progress_view.ts";

const state: ViewState = {
  startedAt: 0,
  global: "building '/nix/store/x-web.drv'...",
  rows: [
    {
      name: "web.system",
      phase: "confirming",
      startedAt: 1000,
      last: "confirming over a new SSH connection",
      tail: [],
    },
    {
      name: "db.system",
      phase: "failed",
      startedAt: 0,
      finishedAt: 3000,
      last: "exited with code 1",
      tail: [],
    },
    { name: "db.tools", phase: "queued", last: "", tail: [] },
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
