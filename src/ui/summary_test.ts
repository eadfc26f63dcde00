import assert from "node:assert/strict";
import { formatSummary } from "./summary.ts";

Deno.test("summary: one line per profile, then the verdict", () => {
  const text = formatSummary([
    {
      node: "web",
      profile: "system",
      status: "confirmed",
      ok: true,
      message: "generation 3 is active and confirmed",
    },
    {
      node: "db.internal",
      profile: "system",
      status: "rolled-back",
      ok: false,
      message: "no confirmation within 30s\nmore",
    },
    { node: "cache", profile: "app", status: "skipped", ok: false, message: "not started" },
  ]);
  assert.equal(
    text,
    [
      "  web.system          confirmed      generation 3 is active and confirmed",
      "  db.internal.system  rolled back    no confirmation within 30s",
      "  cache.app           skipped        not started",
      "1 of 3 profiles deployed; 2 not",
      "",
    ].join("\n"),
  );
  assert.match(
    formatSummary([{ node: "a", profile: "b", status: "activated", ok: true, message: "" }]),
    /1 profile deployed\n$/,
  );
});

Deno.test("summary: says when health checks were skipped", () => {
  const results = [{
    node: "a",
    profile: "b",
    status: "confirmed" as const,
    ok: true,
    message: "",
  }];
  assert.match(
    formatSummary(results, { healthChecksSkipped: true }),
    /health checks were skipped \(--skip-health-checks\)\n$/,
  );
  assert.doesNotMatch(formatSummary(results), /health checks/);
});
