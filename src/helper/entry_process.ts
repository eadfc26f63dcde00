/**
 * Running a profile's activation entry with a time limit. The entry runs in
 * a process group of its own, so that at the limit the whole group goes
 * (TERM, then KILL): a hung activation must not keep running, nor keep the
 * profile's lock, nor leave its children behind.
 */
import { runInGroup } from "../process/group.ts";
import { environment } from "./host_os.ts";
import type { ActivationCommand } from "./activation_entry.ts";

export interface EntryRun {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
}

/** How long the group gets between TERM and KILL. */
const KILL_GRACE_MS = 5000;

export async function runEntry(
  command: ActivationCommand,
  timeoutSeconds?: number,
): Promise<EntryRun> {
  const r = await runInGroup(command.argv, {
    cwd: command.cwd,
    env: { ...environment(), ...command.env },
    stdio: "inherit",
    // Timers run on the monotonic clock: a clock step does not fire them early.
    timeoutMs: timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000,
    graceMs: KILL_GRACE_MS,
  });
  return { code: r.code, signal: r.signal, timedOut: r.timedOut };
}
