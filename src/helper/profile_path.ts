/**
 * Where a profile lives on the host (deploy-rs reference §3.4), computed by
 * the helper as the profile's user, with that user's home taken from the
 * password database rather than from an inherited `HOME`.
 */
import { join } from "../shared/posix_path.ts";

export type ProfileRef =
  | { profilePath: string }
  | { user: string; name: string };

export interface HostFacts {
  /** `$NIX_STATE_DIR`, default /nix/var/nix. */
  nixStateDir: string;
  /** The profile user's home directory, from the password database. */
  home: string;
  /** Whether a directory exists on the host. */
  isDirectory: (path: string) => boolean;
  /** Whether a path (a profile's symlink) exists on the host, without following it. */
  exists: (path: string) => boolean;
}

export function resolveProfilePath(ref: ProfileRef, facts: HostFacts): string {
  if ("profilePath" in ref) return ref.profilePath;
  const profiles = join(facts.nixStateDir, "profiles");
  if (ref.user === "root") {
    return ref.name === "system"
      ? join(profiles, "system")
      : join(profiles, "per-user", "root", ref.name);
  }
  const legacy = join(profiles, "per-user", ref.user);
  // Nix 2.14+ keeps user profiles under the XDG state directory.
  const xdg = join(facts.home, ".local", "state", "nix", "profiles", ref.name);
  // Where the profile already is wins: Nix before 2.14 creates the legacy
  // directory the first time the user touches the store (our own nix-env
  // included), which would otherwise move a profile between deployments.
  if (facts.exists(xdg)) return xdg;
  if (facts.isDirectory(legacy)) return join(legacy, ref.name);
  return xdg;
}
