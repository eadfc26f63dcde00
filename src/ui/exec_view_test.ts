/**
 * `deploy exec`'s live view on a real terminal emulator (headless xterm.js,
 * 80×12): six nodes, two at a time, each writing lines; after every write the
 * header and a row per running node are on screen, the region fits, no node
 * has two rows; every output line is kept, in order; at the end the region
 * is gone.
 */
import assert from "node:assert/strict";
import { execFrame, execView } from "./exec_view.ts";
import { Screen } from "../../test/support/screen.ts";

const NODES = ["web1", "web2", "db1", "db2", "cache", "queue"];
const HEADER = /^deploy-ts exec \d+:\d\d {2}6 nodes: /;
const ROW = /^ {2}(\S+) {2,}(running|FAILED|waiting)\b/;

Deno.test("exec view on an 80x12 terminal: the header and the running rows stay, the output scrolls above, nothing stale at the end", async () => {
  const screen = new Screen(80, 12);
  const writes: string[] = [];
  let clock = 0;
  const view = execView((s) => void writes.push(s), NODES, {
    size: () => ({ width: 80, height: 12 }),
    color: true,
    now: () => clock,
  });
  const written: string[] = [];
  const check = async (where: string) => {
    for (const w of writes.splice(0)) await screen.write(w);
    const shown = screen.visible();
    assert.equal(shown.filter((l) => HEADER.test(l)).length, 1, `${where}\n${screen.dump()}`);
    const rows = shown.map((l) => ROW.exec(l)?.[1]).filter((n) => n !== undefined);
    assert.equal(new Set(rows).size, rows.length, `a node with two rows: ${where}`);
    // The region's own lines never wrap (the output's long lines may, above it).
    const region = shown.slice(shown.findIndex((l) => HEADER.test(l)));
    const firstRegionRow = screen.rows - region.length;
    assert.ok(screen.wrapped().every((y) => y < firstRegionRow), `the region wrapped: ${where}`);
  };
  for (let pair = 0; pair < NODES.length; pair += 2) {
    const mine = NODES.slice(pair, pair + 2);
    for (const n of mine) {
      view.start(n);
      await check(`start ${n}`);
    }
    for (let i = 0; i < 5; i++) {
      for (const n of mine) {
        clock += 300;
        const line = `${n} says line ${i}: ${"x".repeat(90)}`;
        written.push(`[${n}] ${line}`);
        view.line(n, line);
        await check(`line ${i} of ${n}`);
        const shown = screen.visible();
        assert.ok(shown.some((l) => l.startsWith(`  ${n} `) && l.includes("running")), n);
      }
    }
    for (const n of mine) {
      const ok = n !== "db2";
      view.end({ node: n, destination: `root@${n}`, code: ok ? 0 : 3, ok });
      await check(`end ${n}`);
    }
  }
  view.finish();
  for (const w of writes.splice(0)) await screen.write(w);
  const all = screen.text();
  assert.deepEqual(all.filter((l) => l.startsWith("[")), written, "every line, in order");
  assert.ok(!all.some((l) => HEADER.test(l) || ROW.test(l)), `a stale region:\n${screen.dump()}`);
  screen.dispose();
});

Deno.test("exec frame: no taller than the terminal; a failed node stays, finished ones fold into the counts", () => {
  const rows = NODES.map((node, i) => ({
    node,
    state: i < 3 ? "running" as const : i === 3 ? "failed" as const : "done" as const,
    last: "",
    startedAt: 0,
    why: "exit 3",
  }));
  const frame = execFrame(rows, { lines: 4, now: 61_000, startedAt: 0, color: false });
  assert.deepEqual(frame, [
    "deploy-ts exec 1:01  6 nodes: 2 done, 3 running, 0 waiting, 1 failed",
    "  web1   running  1:01",
    "  web2   running  1:01",
    "  … 2 more: 1 running, 1 failed",
  ]);
  const all = execFrame(rows, { lines: 20, now: 0, startedAt: 0, color: false });
  assert.equal(all.at(-1), "  db2    FAILED   0:00  exit 3");
});
