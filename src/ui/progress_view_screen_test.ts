/**
 * The live view's real output on a real terminal emulator (a headless
 * xterm.js, 80×12): a deployment of 6 nodes × 2 profiles in two waves,
 * checked after every frame for what a person would see, and through
 * resizes.
 */
import assert from "node:assert/strict";
import { progressView } from "./progress_view.ts";
import type { DeployEvent, ProfileResult } from "../shared/events.ts";
import { assertFrameShown, Screen, shownLines } from "../../test/support/screen.ts";

const time = "2030-01-01T00:00:00.000Z";
const NODES = ["n1", "n2", "n3", "n4", "n5", "n6"];
const PROFILES = ["app", "system"];
const waveOf = (node: string) => (NODES.indexOf(node) < 3 ? 0 : 1);
const LONG = "copying path '/nix/store/0123456789abcdfghijklmnpqrsvwxyz-some-long-name-1.2.3' to";
/** How each profile ends: two do not. */
const ENDING: Record<string, "failed" | "rolled-back"> = {
  "n2.system": "rolled-back",
  "n5.app": "failed",
};

/** The events of the deployment, a step (then a frame) at a time. */
function* deployment(): Generator<DeployEvent[]> {
  const phase = (node: string, profile: string, p: string, message?: string): DeployEvent =>
    ({ type: "phase", time, node, profile, phase: p, message, wave: waveOf(node) }) as DeployEvent;
  const log = (node: string, profile: string, line: string): DeployEvent => ({
    type: "log",
    time,
    node,
    profile,
    source: "host",
    line,
  });
  const all = NODES.flatMap((n) => PROFILES.map((p) => [n, p] as const));
  yield all.map(([n, p]) => phase(n, p, "queued"));
  yield all.map(([n, p]) => phase(n, p, "building"));
  for (let i = 0; i < 4; i++) {
    yield [{
      type: "log",
      time,
      source: "nix",
      line: `building '/nix/store/x${i}-${"n".repeat(90)}.drv'...`,
    }];
  }
  // Two nodes at a time (--jobs 2), wave after wave.
  for (const pair of [["n1", "n2"], ["n3"], ["n4", "n5"], ["n6"]]) {
    const mine = all.filter(([n]) => pair.includes(n));
    yield mine.map(([n, p]) => phase(n, p, "connecting"));
    yield mine.map(([n, p]) => phase(n, p, "copying"));
    yield mine.map(([n, p]) => log(n, p, `${LONG} ${n} (${"日本語".repeat(3)})`));
    for (const [n, p] of mine) {
      yield [phase(n, p, "activating"), log(n, p, `activating ${p} on ${n}: ${"x".repeat(70)}`)];
      const ending = ENDING[`${n}.${p}`];
      if (ending) {
        yield [phase(n, p, ending, `${n}.${p} broke: exit code 7`)];
        continue;
      }
      yield [phase(n, p, "confirming", "confirming over a new SSH connection")];
      yield [phase(n, p, "done", "generation 2 is active and confirmed")];
    }
  }
}

const results: ProfileResult[] = NODES.flatMap((node) =>
  PROFILES.map((profile) => {
    const ending = ENDING[`${node}.${profile}`];
    return ending
      ? { node, profile, status: ending, ok: false, message: `${node}.${profile} broke` }
      : { node, profile, status: "confirmed" as const, ok: true, message: "confirmed" };
  })
);

/**
 * Run the deployment through the view onto an 80×12 screen, `resizes` at
 * the given steps (the screen first, then the view is told, as SIGWINCH
 * would), checking every frame; then the summary.
 */
async function run(resizes: Map<number, [number, number]> = new Map()) {
  const screen = new Screen(80, 12);
  let size = { cols: 80, rows: 12 };
  const writes: string[] = [];
  let frame = () => {};
  const report = progressView((s) => void writes.push(s), {
    width: () => size.cols,
    height: () => size.rows,
    color: true,
    intervalMs: 1e6,
    onResize: (redraw) => ((frame = redraw), () => {}),
  });
  // What the terminal itself pushed into the scrollback when resized (not the view).
  let scrolledOff = 0;
  let step = 0;
  let frames = 0;
  for (const events of deployment()) {
    for (const e of events) report(e);
    const resize = resizes.get(step);
    if (resize) {
      screen.resize(...resize);
      size = { cols: resize[0], rows: resize[1] };
      scrolledOff = screen.scrolledOff;
    }
    frame();
    for (const chunk of writes.splice(0)) {
      await screen.write(chunk);
      const where = `step ${step} at ${size.cols}x${size.rows}`;
      assert.equal(assertFrameShown(screen, chunk, where, scrolledOff), 0, "from the top");
      frames++;
    }
    step++;
  }
  report({ type: "summary", time, ok: false, profiles: results });
  const summary = writes.join("");
  await screen.write(summary);
  // Everything from the top of the last frame on is the summary alone: no stale row.
  assert.deepEqual(screen.text(scrolledOff), shownLines(summary), screen.dump());
  assert.match(summary, /n2\.system +rolled back/);
  assert.match(summary, /10 of 12 profiles deployed/);
  screen.dispose();
  return frames;
}

Deno.test("live view on an 80x12 terminal: every frame fits, the header stays, no ghost rows, the summary alone at the end", async () => {
  assert.ok(await run() > 40);
});

Deno.test("live view through resizes: taller and wider, narrower (rewrapped), lower, and back", async () => {
  const frames = await run(
    new Map([[5, [100, 14]], [12, [60, 16]], [20, [100, 9]], [30, [80, 12]], [40, [50, 12]]]),
  );
  assert.ok(frames > 40);
});
