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
  state: "up-to-date",
  lastAttempt: {
    time: "2026-11-28T08:00:00.000Z",
    outcome: "confirmed",
    message: "confirmed",
    deployer: "ops@laptop",
  },
  pending: null,
  running: null,
  recovered: null,
  secrets: [],
  ...over,
});

Deno.test("status text: a table, and a line for each run that this look rolled back", () => {
  const text = formatStatus([
    row({}),
    row({
      node: "db",
      generation: 1,
      matchesFlake: false,
      state: "differs",
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

Deno.test("status text: a pending run says when it rolls back; a failed last attempt is named; a boot generation is not up to date", () => {
  const text = formatStatus([
    row({
      state: "pending",
      deployedAt: null,
      deployer: null,
      lastAttempt: null,
      pending: {
        since: "2026-12-03T13:00:00.000Z",
        deployer: "ops@laptop",
        phase: "awaiting-confirmation",
        rollsBackAt: "2026-12-03T13:00:30.000Z",
      },
    }),
    row({
      node: "db",
      lastAttempt: {
        time: "2026-12-03T12:00:00.000Z",
        outcome: "rolled-back",
        message: "no confirmation within 30s; generation 3 is active again",
        deployer: "ci@runner",
      },
    }),
    row({ node: "boot", state: "set-for-boot", running: "/nix/store/old-system" }),
  ]);
  assert.match(
    text,
    /^web\.system +3 +\(pending\) +ops@laptop +pending: awaiting confirmation, rolls back at 2026-12-03 13:00:30Z unless confirmed$/m,
  );
  assert.match(
    text,
    /^db\.system: last attempt 2026-12-03 12:00:00Z by ci@runner: rolled-back: no confirmation within 30s; generation 3 is active again$/m,
  );
  assert.match(text, /^boot\.system .* set for the next boot; running \/nix\/store\/old-system$/m);
  assert.doesNotMatch(
    text,
    /^web\.system: last attempt/m,
    "the active record's attempt is not repeated",
  );
});

Deno.test("status text: a line for each declared secret, never more than where and whose", () => {
  const text = formatStatus([row({
    secrets: [
      { secret: "pw", path: "/run/keys/pw", state: "present" },
      { secret: "tls", path: "/run/keys/tls", state: "differs", found: "root:root 0644" },
      { secret: "gone", path: "/run/keys/gone", state: "absent" },
    ],
  })]);
  assert.match(
    text,
    /web\.system: secret pw \(\/run\/keys\/pw\): present with its declared owner and mode/,
  );
  assert.match(
    text,
    /web\.system: secret tls \(\/run\/keys\/tls\): present, but root:root 0644 \(not as declared\)/,
  );
  assert.match(text, /web\.system: secret gone \(\/run\/keys\/gone\): absent/);
});
