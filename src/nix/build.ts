/**
 * Local builds: every selected profile in one `nix build` call, so Nix
 * schedules the work; `--keep-going` so one failing profile does not hide
 * which others built.
 */
import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { lastLines, run } from "../process/run.ts";
import { nixArgv } from "./nix_command.ts";

export interface BuildResult {
  /** Store paths that exist after the build. */
  built: Set<string>;
  /** Nix's error output when something failed. */
  error?: string;
}

let caretSupport: Promise<boolean> | undefined;

/**
 * Whether `nix build` takes `X.drv^out` (Nix 2.13+). Before that a bare
 * `X.drv` means its outputs; from 2.15 it means the .drv file itself
 * (deploy-rs #202). Asked once, with a dry run.
 */
function supportsCaret(drvPath: string): Promise<boolean> {
  caretSupport ??= run(nixArgv(false, "build", "--dry-run", "--no-link", `${drvPath}^out`)).then(
    (r) => r.code === 0,
  );
  return caretSupport;
}

export async function buildPaths(
  items: { drvPath: string; path: string }[],
  extraArgs: readonly string[],
  onLine?: (line: string) => void,
): Promise<BuildResult> {
  if (items.length === 0) return { built: new Set() };
  const caret = await supportsCaret(items[0].drvPath);
  const installables = [...new Set(items.map((i) => (caret ? `${i.drvPath}^out` : i.drvPath)))];
  const r = await run(
    nixArgv(false, "build", "--no-link", "--keep-going", "-L", ...installables, ...extraArgs),
    { onStderrLine: onLine },
  );
  const built = new Set(items.map((i) => i.path).filter((p) => existsSync(p)));
  return { built, ...(r.code === 0 ? {} : { error: lastLines(r.stderr, 40) }) };
}

/** A GC root at `link` for a built store path (`--keep-result`). */
export async function addGcRoot(path: string, link: string): Promise<void> {
  mkdirSync(dirname(link), { recursive: true });
  const r = await run(["nix-store", "--add-root", link, "--indirect", "--realise", path]);
  if (r.code !== 0) throw new Error(`cannot make a GC root at ${link}: ${lastLines(r.stderr, 5)}`);
}
