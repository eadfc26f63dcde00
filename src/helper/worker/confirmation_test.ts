/**
 * The worker's side of the confirmation, over a real run directory: only
 * this run's token (offered, or taken by `deploy confirm`) confirms;
 * anything else ends the window unconfirmed, and says how.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DECLINE_PREFIX, OFFERED_TOKEN_FILE } from "../../wire/protocol.ts";
import { RunDir } from "../run_dir.ts";
import { awaitConfirmation } from "./confirmation.ts";

async function inRunDir(
  body: (run: RunDir, token: string, said: string[]) => Promise<void>,
): Promise<void> {
  const temp = mkdtempSync(join(tmpdir(), "confirmation-test-"));
  try {
    const run = RunDir.create(temp);
    await body(run, await run.issueToken(), []);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

/** What the offer shell leaves in the run directory. */
function offer(run: RunDir, line: string): void {
  writeFileSync(join(run.path, OFFERED_TOKEN_FILE), `${line}\n`, { mode: 0o600 });
}

const later = (ms: number, f: () => void) => setTimeout(f, ms);

Deno.test("confirmation: nothing offered within the window expires", async () => {
  await inRunDir(async (run, _token, said) => {
    assert.equal(await awaitConfirmation(run, 300, (m) => said.push(m)), "expired");
    assert.equal(run.confirmation(), "vanished", "the canary is expired, not left to take");
  });
});

Deno.test("confirmation: this run's token, offered, confirms", async () => {
  await inRunDir(async (run, token, said) => {
    later(100, () => offer(run, token));
    assert.equal(await awaitConfirmation(run, 5000, (m) => said.push(m)), "confirmed");
  });
});

Deno.test("confirmation: `deploy confirm` taking the canary confirms", async () => {
  await inRunDir(async (run, _token, said) => {
    later(100, () => assert.ok(run.takeCanary()));
    assert.equal(await awaitConfirmation(run, 5000, (m) => said.push(m)), "confirmed");
  });
});

Deno.test("confirmation: another token is refused, said, and the window runs on", async () => {
  await inRunDir(async (run, _token, said) => {
    later(50, () => offer(run, "0".repeat(64)));
    assert.equal(await awaitConfirmation(run, 600, (m) => said.push(m)), "expired");
    assert.ok(said.some((m) => /not this run's was offered and refused/.test(m)), said.join("\n"));
  });
});

Deno.test("confirmation: the deployer declining with the token ends the window at once", async () => {
  await inRunDir(async (run, token, said) => {
    later(50, () => offer(run, `${DECLINE_PREFIX}${token} health check web failed`));
    const started = performance.now();
    assert.deepEqual(await awaitConfirmation(run, 10_000, (m) => said.push(m)), {
      declined: "health check web failed",
    });
    assert.ok(performance.now() - started < 5000);
  });
});

Deno.test("confirmation: the run directory removed in the window means vanished", async () => {
  await inRunDir(async (run, _token, said) => {
    later(100, () => rmSync(run.path, { recursive: true, force: true }));
    assert.equal(await awaitConfirmation(run, 10_000, (m) => said.push(m)), "vanished");
  });
});

Deno.test("confirmation: a canary that cannot be created is an error, not a wait", async () => {
  await inRunDir(async (run, _token, said) => {
    run.createCanary(); // already there: the worker never reuses a canary
    const r = await awaitConfirmation(run, 10_000, (m) => said.push(m));
    assert.ok(typeof r === "object" && "error" in r, JSON.stringify(r));
    assert.match(r.error, /^creating the canary: /);
  });
});
