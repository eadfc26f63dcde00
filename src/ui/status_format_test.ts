import assert from "node:assert/strict";
import { formatStatus } from "./status_format.ts";
import type { ProfileStatusReport } from "../deploy/status.ts";

const row = (over: Partial<ProfileStatusReport>): ProfileStatusReport => ({
  node: "web",
  profile: "system",
  profilePath: "/nix/var/nix/profiles/system",
  generation: 3,
  closure: "/nix/store/x-system",
  deployedAt: "2026-11-28T08:00:00.000Z",
  deployer: "ops@laptop",
  outcome: "confirmed",
  matchesFlake: true,
  recovered: null,
  ...over,
});

Deno.test("status text: a table, and a line for each run that this look rolled back", () => {
  const text = formatStatus([
    row({}),
    row({
      node: "db",
      generation: 1,
      matchesFlake: false,
      recovered: "the worker of run /tmp/deploy-ts-x died; generation 1 is active again",
    }),
  ]);
  assert.match(text, /^web\.system +3 +2026-11-28 08:00:00Z +ops@laptop +up to date$/m);
  assert.match(text, /^db\.system +1 .* differs from the flake$/m);
  assert.match(
    text,
    /^db\.system: rolled back just now: the worker of run \/tmp\/deploy-ts-x died; generation 1 is active again$/m,
  );
  assert.doesNotMatch(text, /web\.system: rolled back/);
});
