/**
 * Putting a profile back exactly on the generation it had (never one
 * further, deploy-rs #154), deleting only generations the run created, and
 * re-activating that generation within a time limit. With no previous
 * generation the profile is removed: the host is as it was.
 */
import type { ActivationGoal } from "../shared/vocabulary.ts";
import { activationCommand } from "./activation_entry.ts";
import { runEntry } from "./entry_process.ts";
import { removeIfThere } from "./private_file.ts";
import { exists } from "./host_os.ts";
import {
  currentGeneration,
  deleteGeneration,
  generationLink,
  listGenerations,
  switchGeneration,
} from "./generations.ts";

export type EntryResult = { ok: true } | { ok: false; missing: boolean; message: string };

/** Re-activating the old generation gets this long when no activationTimeout was given. */
export const DEFAULT_REACTIVATION_TIMEOUT = 240;

/** Run the activation entry of the profile (or closure) at `dir`, killed after `timeout` seconds. */
export async function activateEntry(
  dir: string,
  goal: ActivationGoal,
  timeout: number | undefined,
  say: (message: string) => void,
  env: Record<string, string> = {},
): Promise<EntryResult> {
  const found = activationCommand(dir, goal, exists);
  if (!found) return { ok: false, missing: true, message: `${dir} has no activation entry` };
  const command = { ...found, env: { ...found.env, ...env } };
  say(`running ${command.argv.join(" ")} (${goal})`);
  const r = await runEntry(command, timeout);
  if (r.timedOut) {
    return {
      ok: false,
      missing: false,
      message: `the activation script ${
        command.argv[0]
      } did not finish within activationTimeout (${timeout}s) and was killed`,
    };
  }
  if (r.code === 0) return { ok: true };
  return {
    ok: false,
    missing: false,
    message: `the activation script ${command.argv[0]} ${
      r.code === null ? `was killed by ${r.signal}` : `exited with code ${r.code}`
    }`,
  };
}

export interface RollBack {
  /** The generation to return to; undefined: the profile did not exist before. */
  previous: number | undefined;
  /** Generations to delete: only ones the run created. */
  remove: number[];
  boot: boolean;
  activationTimeout?: number;
}

export async function rollBackProfile(
  profilePath: string,
  r: RollBack,
  say: (message: string) => void,
): Promise<{ ok: boolean; message: string }> {
  const P = profilePath;
  const remove = r.remove.filter((g) => g !== r.previous);
  if (r.previous === undefined) {
    for (const g of remove) removeIfThere(generationLink(P, g));
    if (listGenerations(P).length === 0) removeIfThere(P);
    return {
      ok: true,
      message: "the profile did not exist before this deployment and has been removed",
    };
  }
  if (currentGeneration(P) !== r.previous) await switchGeneration(P, r.previous);
  for (const g of remove) {
    if (listGenerations(P).includes(g)) await deleteGeneration(P, g);
  }
  const entry = await activateEntry(
    P,
    r.boot ? "boot" : "switch",
    r.activationTimeout ?? DEFAULT_REACTIVATION_TIMEOUT,
    say,
  );
  if (entry.ok) {
    return { ok: true, message: `generation ${r.previous} is active again and re-activated` };
  }
  if (entry.missing) {
    return {
      ok: true,
      message: `generation ${r.previous} is active again (it has no activation entry to re-run)`,
    };
  }
  return {
    ok: false,
    message:
      `generation ${r.previous} is active again, but re-activating it failed: ${entry.message}`,
  };
}
