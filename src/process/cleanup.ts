/**
 * Work that must happen even when the run is interrupted (Ctrl-C, SIGTERM):
 * closing SSH masters, mostly. Registered while the resource is open.
 */
import process from "node:process";
import { EXIT_CODES } from "../shared/exit_codes.ts";

const tasks = new Set<() => Promise<void>>();
let installed = false;

/** Run `task` if the process is interrupted; returns a function that unregisters it. */
export function onInterrupt(task: () => Promise<void>): () => void {
  if (!installed) {
    installed = true;
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.once(signal, async () => {
        process.stderr.write(`\ndeploy: ${signal}: closing SSH connections\n`);
        await Promise.allSettled([...tasks].map((t) => t()));
        process.exit(signal === "SIGINT" ? EXIT_CODES.interrupted : 143);
      });
    }
  }
  tasks.add(task);
  return () => tasks.delete(task);
}
