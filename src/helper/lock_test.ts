/** The profile's state directory is used only when it is the helper's own and private. */
import assert from "node:assert/strict";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { DeployError } from "../shared/errors.ts";
import { ensureStateDir, stateDir } from "./lock.ts";

const profileIn = (dir: string) => join(dir, "system");
const refused = (re: RegExp) => (e: unknown) =>
  e instanceof DeployError && /refusing to use it/.test(e.message) && re.test(e.message);

Deno.test("state dir: a new one is 0700; an old 0755 one of ours is made 0700", () => {
  const fresh = mkdtempSync(join(tmpdir(), "deploy-ts-state-"));
  assert.equal(statSync(ensureStateDir(profileIn(fresh))).mode & 0o777, 0o700);
  const old = mkdtempSync(join(tmpdir(), "deploy-ts-state-"));
  mkdirSync(stateDir(profileIn(old)), { mode: 0o755 });
  chmodSync(stateDir(profileIn(old)), 0o755);
  assert.equal(statSync(ensureStateDir(profileIn(old))).mode & 0o777, 0o700);
});

Deno.test("state dir: group- or world-writable is refused, not made private", () => {
  for (const mode of [0o770, 0o707, 0o777]) {
    const dir = mkdtempSync(join(tmpdir(), "deploy-ts-state-"));
    mkdirSync(stateDir(profileIn(dir)));
    chmodSync(stateDir(profileIn(dir)), mode);
    assert.throws(() => ensureStateDir(profileIn(dir)), refused(/writable by its group or others/));
    assert.equal(statSync(stateDir(profileIn(dir))).mode & 0o777, mode);
  }
});

Deno.test("state dir: a symbolic link is refused, even to a private directory of ours", () => {
  const dir = mkdtempSync(join(tmpdir(), "deploy-ts-state-"));
  const target = mkdtempSync(join(tmpdir(), "deploy-ts-state-target-"));
  chmodSync(target, 0o700);
  symlinkSync(target, stateDir(profileIn(dir)));
  assert.throws(() => ensureStateDir(profileIn(dir)), refused(/symbolic link/));
});

Deno.test({
  name: "state dir: one owned by another user is refused, naming both uids",
  // Making a directory another user owns takes root.
  ignore: process.getuid?.() !== 0,
  fn: () => {
    const dir = mkdtempSync(join(tmpdir(), "deploy-ts-state-"));
    mkdirSync(stateDir(profileIn(dir)), { mode: 0o700 });
    chownSync(stateDir(profileIn(dir)), 65534, 65534);
    assert.throws(
      () => ensureStateDir(profileIn(dir)),
      refused(/owned by uid 65534, not by uid 0 that the helper runs as/),
    );
  },
});
