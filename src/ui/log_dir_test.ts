import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { logDirReporter } from "./log_dir.ts";

Deno.test("--log-dir: a file per node and profile, even when their names spell the same file", () => {
  const dir = mkdtempSync(join(tmpdir(), "deploy-ts-logdir-"));
  try {
    const report = logDirReporter(dir);
    const time = "2026-11-28T08:00:00.000Z";
    // Written alike: web.eu's system and web's eu.system; web's eu and web.eu itself.
    const profiles = [
      { node: "web.eu", profile: "system" },
      { node: "web", profile: "eu.system" },
      { node: "web", profile: "eu" },
    ];
    for (const p of profiles) report({ type: "phase", time, ...p, phase: "queued" });
    for (const p of profiles) {
      report({ type: "log", time, ...p, source: "host", line: `for ${p.node} ${p.profile}` });
    }
    report({ type: "log", time, node: "web.eu", source: "nix", line: "copying to web.eu" });
    // A node named deploy, and what belongs to no node, which has deploy.log.
    report({ type: "log", time, node: "deploy", source: "nix", line: "copying to deploy" });
    report({ type: "log", time, source: "nix", line: "building" });
    assert.deepEqual(readdirSync(dir).sort(), [
      "deploy.log",
      "deploy~2.log",
      "web.eu.log",
      "web.eu.system.log",
      "web.eu.system~2.log",
      "web.eu~2.log",
    ]);
    const lines = (f: string) =>
      readFileSync(join(dir, f), "utf8").split("\n").filter((l) => l.includes("|"));
    assert.deepEqual(lines("web.eu.system.log"), [`${time} host | for web.eu system`]);
    assert.deepEqual(lines("web.eu.system~2.log"), [`${time} host | for web eu.system`]);
    assert.deepEqual(lines("web.eu.log"), [`${time} host | for web eu`]);
    assert.deepEqual(lines("web.eu~2.log"), [`${time} nix | copying to web.eu`]);
    assert.deepEqual(lines("deploy~2.log"), [`${time} nix | copying to deploy`]);
    assert.deepEqual(lines("deploy.log"), [`${time} nix | building`]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("--log-dir: a new directory is owner-only and its files are 0600, whatever the umask", () => {
  const parent = mkdtempSync(join(tmpdir(), "deploy-ts-logdir-"));
  const dir = join(parent, "logs");
  const old = Deno.umask(0o000);
  try {
    const report = logDirReporter(dir);
    const time = "2026-12-02T03:00:00.000Z";
    report({ type: "log", time, node: "web", profile: "system", source: "host", line: "x" });
    report({ type: "log", time, source: "nix", line: "building" });
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    for (const f of readdirSync(dir)) assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
  } finally {
    Deno.umask(old);
    rmSync(parent, { recursive: true });
  }
});
