import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DECLINE_PREFIX, OFFERED_TOKEN_FILE } from "./protocol.ts";
import { RunDir } from "./run_dir.ts";

Deno.test("run dir: an offered token confirms; a decline with the token declines; others are refused", () => {
  const temp = mkdtempSync(join(tmpdir(), "run-dir-test-"));
  try {
    const offer = (run: RunDir, text: string) => {
      writeFileSync(join(run.path, OFFERED_TOKEN_FILE), text, { mode: 0o600 });
      return run.acceptOfferedToken();
    };
    const run = RunDir.create(temp);
    const token = run.issueToken();
    run.createCanary();
    assert.deepEqual(offer(run, `${DECLINE_PREFIX}${"0".repeat(64)}\nnope\n`), {
      offer: "refused",
    });
    assert.deepEqual(offer(run, "not-the-token\n"), { offer: "refused" });
    assert.equal(run.confirmation(), "pending");
    assert.deepEqual(offer(run, `${DECLINE_PREFIX}${token}\nhealth check http failed\n`), {
      offer: "declined",
      reason: "health check http failed",
    });
    // Declining takes nothing: only the worker's own expiry ends the canary.
    assert.equal(run.confirmation(), "pending");
    assert.deepEqual(offer(run, `${token}\n`), { offer: "accepted" });
    assert.equal(run.confirmation(), "confirmed");
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
});
