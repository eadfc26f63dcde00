/**
 * `deploy confirm RUN_DIR`, with the run's token on stdin (never on a
 * command line, where other users could read it): proves that a fresh
 * connection reached the host, by taking the canary only this run's
 * deployer can take. Exits 0 only once the worker has recorded "confirmed".
 */
import { DeployError } from "../shared/errors.ts";
import { RunDir } from "./run_dir.ts";

export async function confirmCanary(
  runDirPath: string,
  token: string,
  waitMs = 15000,
): Promise<string> {
  const run = RunDir.open(runDirPath);
  if (!token.trim() || !(await run.tokenMatches(token))) {
    throw new DeployError(`the token does not belong to ${runDirPath}; nothing was confirmed`);
  }
  if (!run.takeCanary()) {
    const s = run.readStatus();
    throw new DeployError(
      `no confirmation is pending in ${runDirPath} (phase ${s?.phase ?? "unknown"}${
        s?.outcome ? `, outcome ${s.outcome}: ${s.message}` : ""
      })`,
    );
  }
  const deadline = performance.now() + waitMs;
  while (performance.now() < deadline) {
    const s = run.readStatus();
    if (s?.outcome === "confirmed") return s.message ?? "confirmed";
    if (s?.outcome) throw new DeployError(`the activation ended as ${s.outcome}: ${s.message}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new DeployError(
    `the canary was taken, but the helper did not record the confirmation within ${waitMs / 1000}s`,
  );
}
