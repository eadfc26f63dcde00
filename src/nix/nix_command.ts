/**
 * Building argv for the `nix` command. deploy-ts needs `nix-command` (for
 * `nix eval`, `nix build --json`, `nix copy`) and asks for it on each call,
 * so it works whether or not nix.conf enables it. Flakes are used only when
 * the user's Nix has them enabled (see features.ts), as in deploy-rs.
 */

/** `nix` plus the experimental features deploy-ts relies on. */
export function nixArgv(flakes: boolean, ...args: string[]): string[] {
  return [
    "nix",
    "--extra-experimental-features",
    flakes ? "nix-command flakes" : "nix-command",
    ...args,
  ];
}
