/**
 * Profile generations, read from the `<profile>-<N>-link` symlinks that Nix
 * keeps beside a profile (Nix 2.8 has no JSON for `--list-generations`), and
 * changed only through `nix-env`. Its output is captured, not inherited: a
 * log on a full disk must not make Nix fail a rollback (Nix treats a failed
 * write to stderr as an error).
 */
import { basename, dirname } from "../shared/posix_path.ts";
import { commandFailed } from "../process/command_failure.ts";

/** The generation number of a link name such as `system-42-link`, for profile `system`. */
export function generationOfLink(profileName: string, linkName: string): number | undefined {
  const prefix = `${profileName}-`;
  if (!linkName.startsWith(prefix) || !linkName.endsWith("-link")) return undefined;
  const n = linkName.slice(prefix.length, -"-link".length);
  return /^[0-9]+$/.test(n) ? Number(n) : undefined;
}

/** Every generation of a profile, ascending. */
export function listGenerations(profilePath: string): number[] {
  let names: string[];
  try {
    names = [...Deno.readDirSync(dirname(profilePath))].map((e) => e.name);
  } catch {
    return [];
  }
  const name = basename(profilePath);
  return names.map((n) => generationOfLink(name, n)).filter((n): n is number => n !== undefined)
    .sort((a, b) => a - b);
}

/** The generation the profile points to now, or undefined when the profile does not exist. */
export function currentGeneration(profilePath: string): number | undefined {
  try {
    return generationOfLink(basename(profilePath), basename(Deno.readLinkSync(profilePath)));
  } catch {
    return undefined;
  }
}

/** The path of one generation's link. */
export function generationLink(profilePath: string, generation: number): string {
  return `${profilePath}-${generation}-link`;
}

/** `nix-env -p P --set CLOSURE`: a new generation pointing to the closure. */
export async function setProfile(profilePath: string, closure: string): Promise<void> {
  await nixEnv(["-p", profilePath, "--set", closure]);
}

export async function switchGeneration(profilePath: string, generation: number): Promise<void> {
  await nixEnv(["-p", profilePath, "--switch-generation", String(generation)]);
}

export async function deleteGeneration(profilePath: string, generation: number): Promise<void> {
  await nixEnv(["-p", profilePath, "--delete-generations", String(generation)]);
}

/** Run nix-env (Deno.Command: see process/group.ts); a CommandError unless it exits 0. */
async function nixEnv(args: string[]): Promise<void> {
  const argv = ["nix-env", ...args];
  const failed = (code: number | null, signal: string | null, stderr: string) =>
    commandFailed({ argv, code, signal, stderr, timedOut: false });
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
  } catch (e) {
    throw failed(127, null, `${(e as Error).message}\n`);
  }
  if (out.success) return;
  throw failed(out.signal ? null : out.code, out.signal, new TextDecoder().decode(out.stderr));
}
