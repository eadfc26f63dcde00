/**
 * What the installed Nix can do, found by asking it (never by parsing its
 * version string).
 */
import { run } from "../process/run.ts";
import { nixArgv } from "./nix_command.ts";

/** Whether flakes are enabled for this Nix: `builtins.getFlake` exists only then. */
export async function flakesEnabled(): Promise<boolean> {
  const r = await run(nixArgv(false, "eval", "--json", "--expr", "builtins ? getFlake"));
  return r.code === 0 && r.stdout.trim() === "true";
}
