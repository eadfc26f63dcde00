import assert from "node:assert/strict";
import { LiveRegion } from "./live_region.ts";

const at = (width: number, height: number) => ({ width, height });

Deno.test("live region: each frame goes back to the first line of the last and erases to the end of the screen", () => {
  const region = new LiveRegion();
  assert.equal(region.redraw(["a", "b", "c"], at(80, 24)), "\x1b[Ja\nb\nc\n");
  // Shorter: the old third line is erased with the rest, not left behind.
  assert.equal(region.redraw(["a", "b"], at(80, 24)), "\x1b[3F\x1b[Ja\nb\n");
  assert.equal(region.redraw(["x"], at(80, 24)), "\x1b[2F\x1b[Jx\n");
  assert.equal(region.clear(at(80, 24)), "\x1b[1F\x1b[J");
  assert.equal(region.redraw(["y"], at(80, 24)), "\x1b[Jy\n", "nothing left to go back over");
});

Deno.test("live region: a frame takes at most the terminal's height less one line, each line cut to the width", () => {
  const region = new LiveRegion();
  const out = region.redraw(["1234567890", "b", "c", "d", "e"], at(5, 4));
  assert.equal(out, "\x1b[J1234\nb\nc\n");
  assert.equal(LiveRegion.linesFor(at(80, 1)), 1);
});

Deno.test("live region: after a prompt it starts below it", () => {
  const region = new LiveRegion();
  region.redraw(["a", "b"], at(80, 24));
  region.forget();
  assert.equal(region.redraw(["a"], at(80, 24)), "\x1b[Ja\n");
});

Deno.test("live region: a resize counts the rows the old lines take once rewrapped", () => {
  const region = new LiveRegion();
  region.redraw(["x".repeat(70), "short", "y".repeat(45)], at(80, 24));
  // Wider or taller: the same three rows.
  assert.equal(region.redraw(["a", "b", "c"], at(100, 30)), "\x1b[3F\x1b[Ja\nb\nc\n");
  region.redraw(["x".repeat(70), "short", "y".repeat(45)], at(100, 30));
  // At 40 columns the 70 wrapped onto two rows, the 45 onto two.
  assert.equal(region.redraw(["a"], at(40, 30)), "\x1b[5F\x1b[Ja\n");
});

Deno.test("live region: once a resize may have pushed the frame off the screen, resizes redraw from the top", () => {
  const region = new LiveRegion();
  region.redraw(["1", "2", "3", "4", "5"], at(80, 6));
  // Four lines high: the old frame and the cursor's line no longer fit.
  assert.equal(region.redraw(["1", "2", "3"], at(80, 4)), "\x1b[H\x1b[J1\n2\n3\n");
  assert.equal(region.redraw(["1", "2"], at(80, 4)), "\x1b[3F\x1b[J1\n2\n", "same size: back up");
  // Taller again: the terminal may bring the pushed lines back above the frame.
  assert.equal(region.redraw(["1"], at(80, 10)), "\x1b[H\x1b[J1\n");
});
