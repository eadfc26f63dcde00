/**
 * Running a profile's activation entry with a time limit. The entry runs in
 * a process group of its own, so that at the limit the whole group goes
 * (TERM, then KILL): a hung activation must not keep running, nor keep the
 * profile's lock, nor leave its children behind.
 */
import { spawn } from "node:child_process";
import process from "node:process";
import type { ActivationCommand } from "./activation_entry.ts";

export interface EntryRun {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
}

/** How long the group gets between TERM and KILL. */
const KILL_GRACE_MS = 5000;

export function runEntry(command: ActivationCommand, timeoutSeconds?: number): Promise<EntryRun> {
  return new Promise((resolve) => {
    const child = spawn(command.argv[0], command.argv.slice(1), {
      cwd: command.cwd,
      env: { ...process.env, ...command.env },
      stdio: ["ignore", "inherit", "inherit"],
      detached: true,
    });
    let timedOut = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let grace: ReturnType<typeof setTimeout> | undefined;
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // The group is already gone.
      }
    };
    if (timeoutSeconds !== undefined) {
      // Timers run on the monotonic clock: a clock step does not fire them early.
      timer = setTimeout(() => {
        timedOut = true;
        killGroup("SIGTERM");
        grace = setTimeout(() => killGroup("SIGKILL"), KILL_GRACE_MS);
      }, timeoutSeconds * 1000);
    }
    let spawnError: Error | undefined;
    child.on("error", (e) => (spawnError = e));
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      // Children the entry left in its group go too once it timed out.
      if (timedOut) {
        killGroup("SIGKILL");
        if (grace) clearTimeout(grace);
      }
      if (spawnError && code === null && signal === null) {
        resolve({ code: 127, signal: null, timedOut });
        return;
      }
      resolve({ code, signal, timedOut });
    });
  });
}
