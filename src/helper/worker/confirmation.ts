/**
 * The worker's side of the confirmation: create the canary, then watch (and
 * poll) the run directory for `confirm`, or an offered token, to rename it
 * to `canary.confirmed`. Anything else (the canary gone by other means, an
 * error, the deployer declining) means not confirmed.
 */
import type { RunDir } from "../run_dir.ts";
import type { Confirmation } from "./profile_ops.ts";

export function awaitConfirmation(
  runDir: RunDir,
  timeoutMs: number,
  say: (message: string) => void,
): Promise<Confirmation> {
  return new Promise((resolve) => {
    try {
      runDir.createCanary();
    } catch (e) {
      resolve({ error: `creating the canary: ${e instanceof Error ? e.message : String(e)}` });
      return;
    }
    let settled = false;
    let watcher: Deno.FsWatcher | undefined;
    const look = async () => {
      const offered = await runDir.acceptOfferedToken();
      if (settled) return;
      if (offered.offer === "refused") {
        say("a token that is not this run's was offered and refused");
      }
      if (offered.offer === "declined") {
        settle({ declined: offered.reason });
        return;
      }
      const c = runDir.confirmation();
      if (c !== "pending") settle(c);
    };
    // One look at a time (a token is hashed asynchronously); the poll catches what one missed.
    let looking: Promise<void> | undefined;
    const check = () => {
      if (settled) return;
      looking ??= look().catch(() => {}).finally(() => looking = undefined);
    };
    const poll = setInterval(check, 250);
    // Whoever wins the rename race decides; setTimeout runs on the monotonic clock.
    const timer = setTimeout(
      () => settle(runDir.expireCanaryConfirmed() ? "confirmed" : "expired"),
      timeoutMs,
    );
    const settle = (r: Confirmation) => {
      if (settled) return;
      settled = true;
      try {
        watcher?.close();
      } catch {
        // Already closed.
      }
      clearInterval(poll);
      clearTimeout(timer);
      resolve(r);
    };
    try {
      watcher = Deno.watchFs(runDir.path, { recursive: false });
      (async () => {
        for await (const _ of watcher!) check();
      })().catch(() => {/* the poll still decides */});
    } catch {
      watcher = undefined;
    }
    check();
  });
}
