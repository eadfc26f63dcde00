import assert from "node:assert/strict";
import { renderFrame, type ViewState } from "./progress_view.ts";

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
