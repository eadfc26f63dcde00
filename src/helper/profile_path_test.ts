import assert from "node:assert/strict";
import { type HostFacts, resolveProfilePath } from "./profile_path.ts";

const facts = (dirs: string[] = [], paths: string[] = []): HostFacts => ({
  nixStateDir: "/nix/var/nix",
  home: "/home/alice",
  isDirectory: (p) => dirs.includes(p),
  exists: (p) => paths.includes(p),
});

Deno.test("profile path: explicit profilePath wins", () => {
  assert.equal(resolveProfilePath({ profilePath: "/opt/p" }, facts()), "/opt/p");
});

Deno.test("profile path: root's system profile and root's other profiles", () => {
  assert.equal(
    resolveProfilePath({ user: "root", name: "system" }, facts()),
    "/nix/var/nix/profiles/system",
  );
  assert.equal(
    resolveProfilePath({ user: "root", name: "web" }, facts()),
    "/nix/var/nix/profiles/per-user/root/web",
  );
});

Deno.test("profile path: other users, legacy per-user directory when it exists, else XDG", () => {
  assert.equal(
    resolveProfilePath(
      { user: "alice", name: "hm" },
      facts(["/nix/var/nix/profiles/per-user/alice"]),
    ),
    "/nix/var/nix/profiles/per-user/alice/hm",
  );
  assert.equal(
    resolveProfilePath({ user: "alice", name: "hm" }, facts()),
    "/home/alice/.local/state/nix/profiles/hm",
  );
});

Deno.test("profile path: a profile already in the XDG location stays there when the legacy directory appears", () => {
  const xdg = "/home/alice/.local/state/nix/profiles/hm";
  assert.equal(
    resolveProfilePath(
      { user: "alice", name: "hm" },
      facts(["/nix/var/nix/profiles/per-user/alice"], [xdg]),
    ),
    xdg,
  );
});

Deno.test("profile path: NIX_STATE_DIR moves every default location", () => {
  const f = { ...facts(), nixStateDir: "/state" };
  assert.equal(resolveProfilePath({ user: "root", name: "system" }, f), "/state/profiles/system");
});
