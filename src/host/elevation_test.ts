import assert from "node:assert/strict";
import { elevationPrefix, needsPassword, stdinFor, sudoProbeArgv } from "./elevation.ts";
import { DEFAULTS } from "../config/settings.ts";

const s = { ...DEFAULTS, sshUser: "deploy", user: "alice" };

Deno.test("elevation: sudo -u USER when user differs from sshUser, nothing otherwise", () => {
  assert.deepEqual(elevationPrefix(s), ["sudo", "-u", "alice"]);
  assert.deepEqual(elevationPrefix({ ...s, user: "deploy" }), []);
  // deploy-rs elevated to root here; deploy-ts runs as the SSH user, who owns the profile.
  assert.deepEqual(elevationPrefix({ ...s, user: "deploy", interactiveSudo: true }), []);
});

Deno.test("elevation: other tools and flags, split like a shell", () => {
  assert.deepEqual(elevationPrefix({ ...s, sudo: "doas -u" }), ["doas", "-u", "alice"]);
  assert.deepEqual(elevationPrefix({ ...s, sudo: "run0 --user" }), ["run0", "--user", "alice"]);
  assert.deepEqual(elevationPrefix({ ...s, sudo: "sudo -E -u" }), ["sudo", "-E", "-u", "alice"]);
});

Deno.test("elevation: interactive sudo reads the password from stdin only where sudo asks", () => {
  // A sudo that asks (the probe said so): -S reads the password line, -k asks every time.
  assert.deepEqual(elevationPrefix({ ...s, interactiveSudo: true }, true), [
    "sudo",
    "-k",
    "-S",
    "-p",
    "",
    "-u",
    "alice",
  ]);
  // One that does not (NOPASSWD, a root login): -n, no password, so it fails rather than reads.
  assert.deepEqual(elevationPrefix({ ...s, interactiveSudo: true }, false), [
    "sudo",
    "-n",
    "-u",
    "alice",
  ]);
  assert.deepEqual(sudoProbeArgv({ ...s, interactiveSudo: true, sudo: "sudo -E -u" }), [
    "sudo",
    "-k",
    "-n",
    "-E",
    "-u",
    "alice",
    "true",
  ]);
  assert.equal(needsPassword({ ...s, interactiveSudo: true }), true);
  assert.equal(needsPassword(s), false);
  // Only sudo is told to read stdin (-S): another tool would leave the
  // password on the command's own stdin, so none is asked for or sent.
  assert.equal(needsPassword({ ...s, interactiveSudo: true, sudo: "doas -u" }), false);
  assert.deepEqual(elevationPrefix({ ...s, interactiveSudo: true, sudo: "doas -u" }, true), [
    "doas",
    "-u",
    "alice",
  ]);
});

Deno.test("elevation: the password goes first on stdin, before the command's own input", () => {
  assert.equal(stdinFor("pw", "token\n"), "pw\ntoken\n");
  assert.equal(stdinFor(undefined, "token\n"), "token\n");
  assert.equal(stdinFor(undefined), undefined);
});
