/**
 * A host's Nix store as Nix itself reaches it: a store URI and the
 * environment Nix needs for it. A transport hands this over as data
 * (OpenSSH: `ssh://user@host` with `NIX_SSHOPTS` naming its master; a
 * built-in transport: `unix://` through a forwarded daemon socket), so
 * nothing in src/nix knows how the host is reached.
 */
export interface StoreTarget {
  /** Passed to `--to`/`--store`. */
  uri: string;
  /** Added to the environment of the Nix command. */
  env: Record<string, string>;
  /** Who the store belongs to, for messages (`user@host`). */
  destination: string;
}
