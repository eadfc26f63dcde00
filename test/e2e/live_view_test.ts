/**
 * The live view as a person sees it: the real deployer in a pseudo-terminal
 * of 80×12 (script(1)), deploying 6 nodes × 2 profiles to testbed hosts,
 * its output replayed frame by frame on a real terminal emulator (a
 * headless xterm.js), once as it is and once resized mid-run.
 */
import assert from "node:assert/strict";
import { fleetFlake } from "../support/fleet.ts";
import { Testbed } from "../support/testbed.ts";
import { join } from "node:path";
import { inTerminal, type TerminalSize } from "../support/terminal.ts";
import { assertFrameShown, framesOf, HEADER, Screen, shownLines } from "../support/screen.ts";

/**
 * 6 nodes × 2 profiles, system before app; n3's app fails. Deployed with
 * --keep-going, 3 at a time. `resizes`: one dimension of the terminal
 * after another, from when h1's system activates on.
 */
async function deployIn80x12(resizes: ({ cols: number } | { rows: number })[] = []) {
  await using tb = await Testbed.up(6);
  const activating = join(tb.dir, "h1-activating");
  const dir = fleetFlake(
    tb,
    Object.fromEntries(tb.hosts.map((h, i) => [`n${i + 1}`, {
      hostname: h,
      profilesOrder: ["system", "app"],
      profiles: {
        system: { message: `sys-${h}`, sleep: 1, script: h === "h1" ? `touch ${activating}` : "" },
        app: {
          message: `app-${h}`,
          ...(h === "h3" ? { exitCode: 3, script: "echo the-app-on-h3-broke" } : {}),
        },
      },
    }])),
  );
  const run = await inTerminal(dir, ["-s", "--jobs", "3", "--keep-going", "."], {}, undefined, {
    size: { cols: 80, rows: 12 },
    resizes: resizes.length ? { after: activating, steps: resizes } : undefined,
  });
  // --keep-going: the other hosts are on their new generations (exit code 3).
  assert.equal(run.code, 3, run.out);
  return run.out;
}

/**
 * Replay `out` on an 80×12 screen, checking every frame. The screen takes
 * each size of `sizes` where the view redraws from the top of the screen
 * (its answer to a resize), as if the terminal had been resized just before.
 */
async function replay(out: string, sizes: TerminalSize[] = []) {
  const screen = new Screen(80, 12, { pty: true });
  let frames = 0;
  let resized = 0;
  // What the terminal itself pushed into the scrollback on a resize (not the view).
  let scrolledOff: number | undefined;
  const chunks = framesOf(out);
  const summary = chunks.pop() ?? "";
  for (const chunk of chunks) {
    if (chunk.startsWith("\x1b[H")) {
      const size = sizes[resized++];
      assert.ok(size, `a redraw from the top without a resize: frame ${frames + 1}`);
      screen.resize(size.cols, size.rows);
      scrolledOff = screen.scrolledOff;
    }
    await screen.write(chunk);
    // What comes before the first frame (Deno's own erases) is no frame.
    if (!HEADER.test(shownLines(chunk)[0] ?? "")) continue;
    assertFrameShown(
      screen,
      chunk,
      `frame ${++frames} at ${screen.cols}x${screen.rows}`,
      scrolledOff,
    );
  }
  assert.ok(frames >= 10, `${frames} frames`);
  assert.equal(resized, sizes.length, "the view redrew on each resize");

  // The summary takes the last frame's place: no frame is left, on the screen or above it.
  await screen.write(summary);
  const text = screen.text(scrolledOff);
  assert.deepEqual(text.filter((l) => HEADER.test(l)), [], screen.dump());
  const summaryLines = shownLines(summary);
  assert.deepEqual(text.slice(-summaryLines.length), summaryLines, screen.dump());
  assert.match(summary, /n3\.app +(rolled back|revoked)/);
  assert.match(summary, /11 of 12 profiles deployed/);
  assert.match(summary, /the-app-on-h3-broke/);
  for (const node of ["n1", "n2", "n3", "n4", "n5", "n6"]) {
    for (const profile of ["system", "app"]) {
      const row = new RegExp(`^ {2}${node}\\.${profile} `);
      assert.equal(text.filter((l) => row.test(l)).length, 1, `${node}.${profile} once`);
    }
  }
  screen.dispose();
}

Deno.test("live view in an 80x12 terminal: 12 profiles, every frame fits, no ghost row, the summary alone at the end", async () => {
  const out = await deployIn80x12();
  assert.match(out, /deploy-ts \d+:\d\d {2}6 nodes, 12 profiles: /);
  assert.match(out, /… \d+ more: /, "rows that do not fit are counted");
  await replay(out);
});

Deno.test("live view resized mid-run, lower then narrower: redrawn at the new size at once, cleanly", async () => {
  const out = await deployIn80x12([{ rows: 9 }, { cols: 60 }]);
  await replay(out, [{ cols: 80, rows: 9 }, { cols: 60, rows: 9 }]);
});
