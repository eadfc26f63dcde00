/**
 * Waiting for a process this one did not start (an OpenSSH master asked to
 * exit). The deployer's alone: it uses Node's process, which the helper's
 * start must not load (src/process/group.ts is on the helper's path).
 */
import process from "node:process";

/**
 * Wait until process `pid`, which this process did not start (a daemon that
 * was asked to exit), is gone: at most `limitMs`. Whether it is gone.
 */
export async function processGone(pid: number, limitMs: number): Promise<boolean> {
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      // EPERM: it exists, as someone else's.
      return (e as { code?: string }).code === "EPERM";
    }
  };
  for (const start = performance.now(); alive();) {
    if (performance.now() - start >= limitMs) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}
