/**
 * The live view as a person sees it: the real deployer in a pseudo-terminal
 * of 80×12 (script(1)), deploying 6 nodes × 2 profiles to testbed hosts,
 * its output replayed frame by frame on a real terminal emulator (a
 * headless xterm.js).
 */
import assert from "node:assert/strict";
import { fleetFlake } from "../support/fleet.ts";
import { Testbed } from "../support/testbed.ts";
import { inTerminal } from "../support/terminal.ts";
import { assertFrameShown, framesOf, HEADER, Screen, shownLines } from "../support/screen.ts";

Deno.test("live view in an 80x12 terminal: 12 profiles, every frame fits, no ghost row, the summary alone at the end", async () => {
  await using tb = await Testbed.up(6);
  const dir = fleetFlake(
    tb,
    Object.fromEntries(tb.hosts.map((h, i) => [`n${i + 1}`, {
      hostname: h,
      profilesOrder: ["system", "app"],
      profiles: {
        system: { message: `sys-${h}`, sleep: 1 },
        app: {
          message: `app-${h}`,
          ...(h === "h3" ? { exitCode: 3, script: "echo the-app-on-h3-broke" } : {}),
        },
      },
    }])),
  );
  const run = await inTerminal(dir, ["-s", "--jobs", "3", "--keep-going", "."], {}, undefined, {
    cols: 80,
    rows: 12,
  });
  // --keep-going: the other hosts are on their new generations (exit code 3).
  assert.equal(run.code, 3, run.out);

  const screen = new Screen(80, 12, { pty: true });
  let frames = 0;
  const chunks = framesOf(run.out);
  const summary = chunks.pop() ?? "";
  for (const chunk of chunks) {
    await screen.write(chunk);
    // What comes before the first frame (Deno's own erases) is no frame.
    if (!HEADER.test(shownLines(chunk)[0] ?? "")) continue;
    assertFrameShown(screen, chunk, `frame ${++frames}`);
  }
  assert.ok(frames >= 10, `${frames} frames`);
  assert.match(run.out, /deploy-ts \d+:\d\d {2}6 nodes, 12 profiles: /);
  assert.match(run.out, /… \d+ more: /, "rows that do not fit are counted");

  // The summary takes the last frame's place: no frame is left, on the screen or above it.
  await screen.write(summary);
  const text = screen.text();
  assert.deepEqual(text.filter((l) => HEADER.test(l)), [], screen.dump());
  const summaryLines = shownLines(summary);
  assert.deepEqual(text.slice(-summaryLines.length), summaryLines, screen.dump());
  assert.match(summary, /n3\.app +rolled back/);
  assert.match(summary, /11 of 12 profiles deployed/);
  assert.match(summary, /the-app-on-h3-broke/);
  for (const node of ["n1", "n2", "n3", "n4", "n5", "n6"]) {
    for (const profile of ["system", "app"]) {
      const row = new RegExp(`^ {2}${node}\\.${profile} `);
      assert.equal(text.filter((l) => row.test(l)).length, 1, `${node}.${profile} once`);
    }
  }
  screen.dispose();
});
