import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeOffer, OFFER_LINE_TAG, offerTokenArgv } from "../wire/offer.ts";
import { RunDir } from "./run_dir.ts";
import { run as runCommand } from "../process/run.ts";

/** Offer as the deployer's fresh connection does: the offer shell, with `stdin`. */
async function offer(run: RunDir, stdin: string) {
  const r = await runCommand(offerTokenArgv(run.path), { input: stdin });
  assert.equal(r.code, 0, r.stderr);
  return run.acceptOfferedToken();
}

Deno.test("run dir: an offered token confirms; a decline with the token declines; others are refused", async () => {
  const temp = mkdtempSync(join(tmpdir(), "run-dir-test-"));
  try {
    const run = RunDir.create(temp);
    const token = await run.issueToken();
    run.createCanary();
    assert.deepEqual(
      await offer(run, encodeOffer({ kind: "decline", token: "0".repeat(64), reason: "nope" })),
      { offer: "refused" },
    );
    assert.deepEqual(await offer(run, `${OFFER_LINE_TAG}not-the-token\n`), { offer: "refused" });
    assert.equal(run.confirmation(), "pending");
    assert.deepEqual(
      await offer(
        run,
        encodeOffer({ kind: "decline", token, reason: "health check http failed:\nexit 3" }),
      ),
      { offer: "declined", reason: "health check http failed: exit 3" },
    );
    // Declining takes nothing: only the worker's own expiry ends the canary.
    assert.equal(run.confirmation(), "pending");
    assert.deepEqual(await offer(run, encodeOffer({ kind: "confirm", token })), {
      offer: "accepted",
    });
    assert.equal(run.confirmation(), "confirmed");
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
});

Deno.test("run dir: a sudo password line no sudo took never reaches the run directory", async () => {
  const temp = mkdtempSync(join(tmpdir(), "run-dir-test-"));
  try {
    const run = RunDir.create(temp);
    const token = await run.issueToken();
    run.createCanary();
    // What a sudo that needs no password leaves on the command's stdin.
    const argv = offerTokenArgv(run.path);
    const r = await runCommand(argv, {
      input: `hunter2\n${encodeOffer({ kind: "confirm", token })}`,
    });
    assert.equal(r.code, 0, r.stderr);
    for (const f of readdirSync(run.path)) {
      assert.doesNotMatch(readFileSync(join(run.path, f), "utf8"), /hunter2/, f);
    }
    assert.deepEqual(await run.acceptOfferedToken(), { offer: "accepted" });
    // Without an offer line, nothing is written, and the shell says so.
    const none = await runCommand(argv, { input: "hunter2\n" });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no offer on stdin/);
    assert.deepEqual(await run.acceptOfferedToken(), { offer: "none" });
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
});
