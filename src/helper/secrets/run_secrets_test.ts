/**
 * A run's secrets on a real file system (as root, as the helper runs for
 * system profiles): owner and mode before the content, what each replaced
 * kept and put back, unknown owners and symlinks refused before a write.
 */
import assert from "node:assert/strict";
import type { SecretUpload } from "../../shared/secrets.ts";
import { dropKeptRun, parseUploads, RunSecrets } from "./run_secrets.ts";
import { idIn } from "./owners.ts";

const asRoot = { ignore: Deno.uid() !== 0 };
const say = (_: string) => {};

function setUp() {
  const base = Deno.makeTempDirSync({ prefix: "run-secrets-" });
  const runDir = `${base}/run`;
  Deno.mkdirSync(runDir, { mode: 0o700 });
  return { base, runDir, destDir: `${base}/keys/app` };
}

const upload = (o: Partial<SecretUpload>): SecretUpload => ({
  secret: "pw",
  destDir: "/run/keys",
  name: "pw",
  user: "nobody",
  group: "nogroup",
  permissions: "0440",
  uploadAt: "pre-activation",
  value: btoa("new-value"),
  ...o,
});

Deno.test({
  name:
    "run secrets: written with owner and mode into a new root-owned destDir, removed again on restore",
  ...asRoot,
  fn() {
    const { runDir, destDir } = setUp();
    const s = new RunSecrets(runDir);
    s.store([
      upload({ destDir }),
      upload({ destDir, secret: "later", name: "later", uploadAt: "post-activation" }),
    ]);
    s.write("pre-activation", say);
    const info = Deno.statSync(`${destDir}/pw`);
    assert.equal(Deno.readTextFileSync(`${destDir}/pw`), "new-value");
    assert.equal(info.mode! & 0o7777, 0o440);
    assert.equal(info.uid, idIn(Deno.readTextFileSync("/etc/passwd"), "nobody"));
    assert.equal(info.gid, idIn(Deno.readTextFileSync("/etc/group"), "nogroup"));
    const dir = Deno.statSync(destDir);
    assert.equal(dir.uid, 0);
    assert.equal(dir.mode! & 0o777, 0o755);
    // Only this phase's secrets, and no temporary file left beside them.
    assert.deepEqual([...Deno.readDirSync(destDir)].map((e) => e.name), ["pw"]);
    assert.equal(s.restore(say), "secret pw put back");
    assert.deepEqual([...Deno.readDirSync(destDir)], []);
    s.discard();
    assert.throws(() => Deno.statSync(`${runDir}/secrets`));
  },
});

Deno.test({
  name: "run secrets: a replaced secret gets its previous content, owner and mode back",
  ...asRoot,
  fn() {
    const { runDir, destDir } = setUp();
    Deno.mkdirSync(destDir, { recursive: true });
    Deno.writeTextFileSync(`${destDir}/pw`, "old-value");
    Deno.chmodSync(`${destDir}/pw`, 0o600);
    const s = new RunSecrets(runDir);
    s.store([upload({ destDir })]);
    s.write("pre-activation", say);
    assert.equal(Deno.readTextFileSync(`${destDir}/pw`), "new-value");
    // The previous content is kept in the run directory only.
    assert.match(
      Deno.readTextFileSync(`${runDir}/secrets/backups.json`),
      new RegExp(btoa("old-value")),
    );
    s.restore(say);
    const info = Deno.statSync(`${destDir}/pw`);
    assert.equal(Deno.readTextFileSync(`${destDir}/pw`), "old-value");
    assert.equal(info.mode! & 0o7777, 0o600);
    assert.equal(info.uid, 0);
  },
});

Deno.test({
  name:
    "run secrets: an unknown owner is refused before any file is written, naming secret and owner",
  ...asRoot,
  fn() {
    const { runDir, destDir } = setUp();
    const s = new RunSecrets(runDir);
    s.store([
      upload({ destDir, secret: "ok", name: "ok" }),
      upload({ destDir, user: "no-such-user-23" }),
    ]);
    assert.throws(
      () => s.write("pre-activation", say),
      /secret pw: its owner's user no-such-user-23 does not exist on the host/,
    );
    assert.throws(() => Deno.statSync(`${destDir}/ok`));
  },
});

Deno.test({
  name: "run secrets: a symlink on the way to destDir, or at the file's name, is refused",
  ...asRoot,
  fn() {
    const { base, runDir } = setUp();
    Deno.mkdirSync(`${base}/elsewhere`);
    Deno.symlinkSync(`${base}/elsewhere`, `${base}/link`);
    const s = new RunSecrets(runDir);
    s.store([upload({ destDir: `${base}/link/keys` })]);
    assert.throws(
      () => s.write("pre-activation", say),
      /unsafe destDir: .*\/link is a symbolic link/,
    );
    assert.deepEqual([...Deno.readDirSync(`${base}/elsewhere`)], []);

    const other = setUp();
    Deno.mkdirSync(other.destDir, { recursive: true });
    Deno.symlinkSync("/etc/passwd", `${other.destDir}/pw`);
    const t = new RunSecrets(other.runDir);
    t.store([upload({ destDir: other.destDir })]);
    assert.throws(() => t.write("pre-activation", say), /pw is a symbolic link/);
    assert.notEqual(Deno.readTextFileSync("/etc/passwd"), "new-value");
  },
});

Deno.test("run secrets: a request's list is checked field by field", () => {
  assert.equal(parseUploads(JSON.stringify([upload({})])).length, 1);
  for (
    const bad of <Partial<SecretUpload>[]> [
      { name: "../x" },
      { permissions: "777x" },
      {
        uploadAt: "later",
      },
      { value: "%%" },
      { name: "pw\nforged" },
      { destDir: "/run/keys\r" },
      {
        permissions: "4777",
      },
    ]
  ) {
    assert.throws(() => parseUploads(JSON.stringify([upload(bad)])), /not what deploy-ts sends/);
  }
});

Deno.test({
  name: "run secrets: a directory on the way that another user owns and may write is refused",
  ...asRoot,
  fn() {
    const { base, runDir } = setUp();
    Deno.mkdirSync(`${base}/theirs`, { mode: 0o755 });
    Deno.chownSync(`${base}/theirs`, 65534, 65534);
    const s = new RunSecrets(runDir);
    s.store([upload({ destDir: `${base}/theirs/keys` })]);
    assert.throws(
      () => s.write("pre-activation", say),
      /unsafe destDir: .*\/theirs is owned by uid 65534/,
    );
    assert.deepEqual([...Deno.readDirSync(`${base}/theirs`)], []);
  },
});

Deno.test({
  name:
    "run secrets: after a final outcome what they replaced goes at once, unless the deployer said a revoke may follow (then drop-secret-backups deletes it)",
  ...asRoot,
  fn() {
    for (const keep of [false, true]) {
      const { base, destDir } = setUp();
      // A real run directory, as RunDir makes it (dropKeptRun opens only those).
      const runDir = `${base}/deploy-ts-run.x`;
      Deno.mkdirSync(runDir, { mode: 0o700 });
      Deno.mkdirSync(destDir, { recursive: true, mode: 0o755 });
      Deno.writeTextFileSync(`${destDir}/pw`, "old-value");
      const s = new RunSecrets(runDir);
      s.store([upload({ destDir, user: "root", group: "root" })], keep);
      s.write("pre-activation", say);
      s.discardValues();
      const left = () => {
        try {
          return [...Deno.readDirSync(`${runDir}/secrets`)].map((e) => e.name).sort();
        } catch {
          return [];
        }
      };
      // Never the value; the previous one only while a revoke may need it.
      assert.deepEqual(left(), keep ? ["backups.json", "keep-backups"] : [], `keep ${keep}`);
      dropKeptRun(runDir);
      assert.deepEqual(left(), []);
      assert.equal(Deno.readTextFileSync(`${destDir}/pw`), "new-value");
      // A run directory cleaned up meanwhile: nothing to drop, no error.
      Deno.removeSync(runDir, { recursive: true });
      dropKeptRun(runDir);
    }
  },
});

Deno.test({
  name:
    "run secrets: a destDir others may write to is refused even when sticky (/tmp): another user could swap the file between the look and the read",
  ...asRoot,
  fn() {
    const { base, runDir } = setUp();
    const shared = `${base}/shared`;
    Deno.mkdirSync(shared);
    Deno.chmodSync(shared, 0o1777);
    // Another local user's file at the secret's name, swappable at will in a sticky directory.
    Deno.writeTextFileSync(`${shared}/pw`, "alice's");
    Deno.chownSync(`${shared}/pw`, 65534, 65534);
    const s = new RunSecrets(runDir);
    s.store([upload({ destDir: shared })]);
    assert.throws(
      () => s.write("pre-activation", say),
      /unsafe destDir: .*\/shared is writable by others \(mode 1777\)/,
    );
    assert.equal(Deno.readTextFileSync(`${shared}/pw`), "alice's");
    // A sticky ancestor (/tmp above a root-owned 0755 directory) stays fine.
    const below = `${shared}/keys`;
    const t = new RunSecrets(setUp().runDir);
    t.store([upload({ destDir: below })]);
    t.write("pre-activation", say);
    assert.equal(Deno.readTextFileSync(`${below}/pw`), "new-value");
  },
});
