import assert from "node:assert/strict";
import { renderFrame, type Row, type ViewState } from "./progress_frame.ts";

/** A terminal where everything fits. */
const WIDE = { width: 200, lines: 100 };

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
  const frame = renderFrame(state, 65000, WIDE, false);
  assert.equal(frame[0], "deploy-ts 1:05  2 nodes, 3 profiles: 0 done, 1 running, 1 failed");
  assert.equal(frame[1], "  building '/nix/store/x-web.drv'...");
  assert.equal(frame[2], "  web.system  confirming   1:04  confirming over a new SSH connection");
  assert.equal(frame[3], "  db.system   failed       0:03  exited with code 1");
  assert.equal(frame[4], "  db.tools    queued");
});

Deno.test("progress frame: cut to the terminal width; colours only when asked", () => {
  const narrow = renderFrame(state, 65000, { width: 30, lines: 100 }, false);
  assert.ok(narrow.every((l) => l.length <= 29), JSON.stringify(narrow));
  assert.ok(!renderFrame(state, 65000, WIDE, false).join("").includes("\x1b["));
  const colored = renderFrame(state, 65000, WIDE, true);
  // deno-lint-ignore no-control-regex
  assert.match(colored[3], /\x1b\[31mfailed/);
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
    WIDE,
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
  const one = renderFrame({ startedAt: 0, global: "", rows: [row("a", 0)] }, 0, WIDE, false);
  assert.deepEqual(one.slice(1), ["  a.system  queued"], "one wave: no heading");
});

/** A row of node `node`'s profile `profile` in phase `phase`. */
const at = (node: string, profile: string, phase: Row["phase"], wave?: number): Row => ({
  node,
  profile,
  phase,
  wave,
  last: "",
  tail: [],
});

Deno.test("progress frame: one profile is 'profile', not 'profiles'", () => {
  const [header] = renderFrame(
    { startedAt: 0, global: "", rows: [at("a", "s", "queued")] },
    0,
    WIDE,
    false,
  );
  assert.equal(header, "deploy-ts 0:00  1 node, 1 profile: 0 done, 0 running, 0 failed");
});

Deno.test("progress frame: never more lines than given; running and failed first, then queued, the rest counted", () => {
  const rows = [
    at("n1", "app", "done"),
    at("n1", "sys", "done"),
    at("n2", "app", "queued"),
    at("n2", "sys", "failed"),
    at("n3", "app", "activating"),
    at("n3", "sys", "queued"),
    at("n4", "app", "skipped"),
    at("n4", "sys", "copying"),
  ];
  const frame = renderFrame({ startedAt: 0, global: "", rows }, 0, { width: 80, lines: 6 }, false);
  assert.equal(frame.length, 6);
  assert.match(frame[0], /^deploy-ts 0:00 {2}4 nodes, 8 profiles: 2 done, 2 running, 1 failed$/);
  // In the rows' own order, so a row does not jump about between frames.
  assert.deepEqual(frame.slice(1).map((l) => l.replace(/ +/g, " ").trim()), [
    "n2.app queued",
    "n2.sys failed",
    "n3.app activating",
    "n4.sys copying",
    "… 4 more: 2 done, 1 queued, 1 skipped",
  ]);
  for (let lines = 1; lines <= 10; lines++) {
    const f = renderFrame({ startedAt: 0, global: "x", rows }, 0, { width: 80, lines }, false);
    assert.equal(f.length, Math.min(lines, 10), `${lines} lines: ${f.join("\n")}`);
    assert.match(f[0], /^deploy-ts /, "the header comes first, always");
  }
  const all = renderFrame({ startedAt: 0, global: "", rows }, 0, { width: 80, lines: 9 }, false);
  assert.equal(all.length, 9, "everything fits: every row, no '… more'");
  assert.ok(!all.some((l) => l.includes("more")));
});

Deno.test("progress frame: a wave's heading counts as a line and comes with its first shown row", () => {
  const rows = [
    at("a", "s", "done", 0),
    at("b", "s", "done", 0),
    at("c", "s", "activating", 1),
    at("d", "s", "queued", 1),
    at("e", "s", "queued", 2),
  ];
  const frame = renderFrame({ startedAt: 0, global: "", rows }, 0, { width: 80, lines: 6 }, false);
  assert.deepEqual(frame.slice(1).map((l) => l.replace(/ +/g, " ").trim()), [
    "wave 1",
    "c.s activating",
    "d.s queued",
    "… 3 more: 2 done, 1 queued",
  ]);
});

Deno.test("progress frame: wide characters and colour codes counted as the terminal does", () => {
  const rows = [{ ...at("web", "system", "activating"), last: "日本語のログ行".repeat(20) }];
  for (const color of [false, true]) {
    const [, row] = renderFrame(
      { startedAt: 0, global: "", rows },
      0,
      { width: 40, lines: 5 },
      color,
    );
    // deno-lint-ignore no-control-regex
    const visible = row.replace(/\x1b\[[0-9;]*m/g, "");
    const columns = [...visible].reduce((n, c) => n + (c.codePointAt(0)! > 0x2e80 ? 2 : 1), 0);
    assert.ok(columns <= 39, `${columns} columns: ${visible}`);
  }
});
