import assert from "node:assert/strict";
import { mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { currentGeneration, generationOfLink, listGenerations } from "./generations.ts";

Deno.test("generations: link names", () => {
  assert.equal(generationOfLink("system", "system-42-link"), 42);
  assert.equal(generationOfLink("system", "system-x-link"), undefined);
  assert.equal(generationOfLink("system", "system-1-link.tmp"), undefined);
  // A profile named like another profile's prefix must not be mistaken for it.
  assert.equal(generationOfLink("web", "web-app-3-link"), undefined);
  assert.equal(generationOfLink("web-app", "web-app-3-link"), 3);
});

Deno.test("generations: read from the links beside the profile", () => {
  const dir = mkdtempSync(join(tmpdir(), "gens-"));
  const profile = join(dir, "web");
  for (const n of [1, 2, 10]) symlinkSync(`/nix/store/x-${n}`, `${profile}-${n}-link`);
  symlinkSync("/nix/store/other", join(dir, "web-app-4-link"));
  symlinkSync("web-10-link", profile);
  assert.deepEqual(listGenerations(profile), [1, 2, 10]);
  assert.equal(currentGeneration(profile), 10);
  assert.equal(currentGeneration(join(dir, "absent")), undefined);
  assert.deepEqual(listGenerations(join(dir, "nope", "x")), []);
});
