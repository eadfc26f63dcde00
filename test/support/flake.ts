/**
 * Test flakes: written to a temporary directory, with profiles built by
 * `builtins.derivation` and the host shell, since there is no nixpkgs here.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { nixStringLiteral } from "../../src/nix/nix_string.ts";
import { shellQuote } from "../../src/shared/shell_quote.ts";

/** The Nix system of this machine, for derivations in pure (flake) evaluation. */
export const TEST_SYSTEM = `${Deno.build.arch === "aarch64" ? "aarch64" : "x86_64"}-linux`;

/** Write files (relative path → content) into a fresh directory; returns its path. */
export function writeTree(files: Record<string, string>, prefix = "deploy-ts-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/**
 * A Nix expression for a profile: a derivation whose output holds
 * `bin/<name>` printing `message`, and any extra files given as shell.
 */
export function profileDrv(name: string, message: string, extraScript = ""): string {
  const script = [
    "mkdir -p $out/bin",
    `printf '#!/bin/sh\\necho %s\\n' ${shellQuote(message)} > $out/bin/${name}`,
    `chmod +x $out/bin/${name}`,
    extraScript,
  ].join("\n");
  return `builtins.derivation {
      name = ${nixStringLiteral(name)};
      system = ${nixStringLiteral(TEST_SYSTEM)};
      builder = "/bin/sh";
      PATH = "/usr/bin:/bin";
      args = [ "-c" ${nixStringLiteral(script)} ];
    }`;
}
