/** The records file is never opened through a symbolic link. */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeployError } from "../shared/errors.ts";
import { ensureStateDir } from "./lock.ts";
import { type ActivationRecord, appendRecord, readRecords, recordPath } from "./record.ts";

const record = (profilePath: string): ActivationRecord => ({
  time: "2026-12-02T00:00:00Z",
  profilePath,
  closure: "/nix/store/x",
  deployer: "t",
  outcome: "confirmed" as ActivationRecord["outcome"],
  message: "m",
  previousGeneration: 1,
  newGeneration: 2,
  activeGeneration: 2,
  runDir: "/tmp/r",
});

Deno.test("records: appended and read back; none before the first", () => {
  const profile = join(mkdtempSync(join(tmpdir(), "deploy-ts-records-")), "system");
  assert.deepEqual(readRecords(profile), []);
  appendRecord(record(profile));
  appendRecord(record(profile));
  assert.equal(readRecords(profile).length, 2);
});

Deno.test("records: a symbolic link planted as records.jsonl is refused, its target untouched", () => {
  const profile = join(mkdtempSync(join(tmpdir(), "deploy-ts-records-")), "system");
  ensureStateDir(profile);
  const victim = join(mkdtempSync(join(tmpdir(), "deploy-ts-victim-")), "file");
  writeFileSync(victim, "precious\n");
  symlinkSync(victim, recordPath(profile));
  const isRefusal = (e: unknown) =>
    e instanceof DeployError && /symbolic link; refusing/.test(e.message);
  assert.throws(() => appendRecord(record(profile)), isRefusal);
  assert.throws(() => readRecords(profile), isRefusal);
  assert.equal(readFileSync(victim, "utf8"), "precious\n");
});
