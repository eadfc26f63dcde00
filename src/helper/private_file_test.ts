import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appendPrivate, readPrivate, replacePrivate, writePrivate } from "./private_file.ts";

const isLinkRefusal = (e: unknown) => (e as { code?: string }).code === "ELOOP";

Deno.test("private files: written 0600, replaced whole, appended, read back", () => {
  const dir = mkdtempSync(join(tmpdir(), "deploy-ts-private-"));
  const f = join(dir, "status.json");
  writePrivate(f, "one", { replace: false });
  assert.equal(statSync(f).mode & 0o777, 0o600);
  assert.throws(() => writePrivate(f, "two", { replace: false }), "exclusive: never over a file");
  writePrivate(f, "two", { replace: true });
  assert.equal(readPrivate(f), "two");
  replacePrivate(f, "three", { durable: true });
  assert.equal(readPrivate(f), "three");
  const log = join(dir, "records.jsonl");
  appendPrivate(log, "a\n");
  appendPrivate(log, "b\n");
  assert.equal(readPrivate(log), "a\nb\n");
  assert.equal(statSync(log).mode & 0o777, 0o600);
});

Deno.test("private files: a symbolic link planted in a name is refused, its target untouched", () => {
  const dir = mkdtempSync(join(tmpdir(), "deploy-ts-private-"));
  const victim = join(mkdtempSync(join(tmpdir(), "deploy-ts-victim-")), "file");
  writeFileSync(victim, "precious\n");
  const link = join(dir, "job.json");
  symlinkSync(victim, link);
  assert.throws(() => readPrivate(link), isLinkRefusal);
  assert.throws(() => appendPrivate(link, "x"), isLinkRefusal);
  assert.throws(() => writePrivate(link, "x", { replace: true }), isLinkRefusal);
  assert.throws(() => writePrivate(link, "x", { replace: false }));
  // A dangling link is not followed to create its target either.
  const dangling = join(dir, "pending.json");
  const target = join(dir, "created-through-the-link");
  symlinkSync(target, dangling);
  assert.throws(() => appendPrivate(dangling, "x"), isLinkRefusal);
  assert.throws(() => readFileSync(target), "nothing was created through the link");
  assert.equal(readFileSync(victim, "utf8"), "precious\n");
});
