import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { Buffer } from "node:buffer";
import { planOf } from "../config/plan_testing.ts";
import { DeployError } from "../shared/errors.ts";
import type { SecretSpec } from "../shared/secrets.ts";
import { activationModes, readSecretValues } from "./secret_values.ts";

const TARGET = {
  destDir: "/run/keys",
  user: "postgres",
  group: "postgres",
  permissions: "0400",
  uploadAt: "pre-activation",
} as const;

const plan = (secrets: Record<string, Partial<SecretSpec>>) =>
  planOf("db", {
    settings: {
      secrets: Object.fromEntries(
        Object.entries(secrets).map(([k, v]) => [k, { ...TARGET, name: k, ...v } as SecretSpec]),
      ),
    },
  });
const decoded = (b64: string) => Buffer.from(b64, "base64").toString("utf8");

Deno.test("secret values: a command's stdout, a file's bytes and the text, with where each goes", async () => {
  const dir = mkdtempSync(join(tmpdir(), "secret-values-"));
  writeFileSync(join(dir, "pw"), "from-a-file\n");
  const uploads = await readSecretValues(plan({
    cmd: { keyCommand: ["sh", "-c", "printf from-a-command"] },
    file: { keyFile: join(dir, "pw") },
    txt: { text: "plain" },
  }));
  assert.deepEqual(uploads.map((u) => [u.secret, decoded(u.value)]), [
    ["cmd", "from-a-command"],
    ["file", "from-a-file\n"],
    ["txt", "plain"],
  ]);
  assert.deepEqual(
    { ...uploads[0], value: "" },
    { secret: "cmd", name: "cmd", ...TARGET, value: "" },
  );
});

Deno.test("secret values: a failing command fails with its stderr, naming node, profile and secret", async () => {
  await assert.rejects(
    readSecretValues(
      plan({ pw: { keyCommand: ["sh", "-c", "echo vault is sealed >&2; exit 3"] } }),
    ),
    (e: unknown) => {
      assert.ok(e instanceof DeployError);
      assert.match(
        e.describe(),
        /^db\.system \(field secrets\.pw\): secret pw: keyCommand sh exited with code 3:\nvault is sealed; no host was contacted$/,
      );
      return true;
    },
  );
});

Deno.test("secret values: a missing keyFile is named, without its content", async () => {
  await assert.rejects(
    readSecretValues(plan({ pw: { keyFile: "/nonexistent/pw" } })),
    /secret pw: keyFile \/nonexistent\/pw cannot be read \(ENOENT\)/,
  );
});

Deno.test("activation modes: a node's secrets are read once, before anything; one failure fails every profile of the node", async () => {
  const good = plan({ txt: { text: "plain" } });
  const other = { ...planOf("db", { profile: "app" }) };
  const failed: string[] = [];
  const fail = (p: { profile: string }, _s: "failed", message: string) =>
    void failed.push(`${p.profile}: ${message}`);
  const modes = await activationModes([good, other], {
    goal: "switch",
    onFailure: "stop",
    plan: [],
  }, fail);
  assert.ok(modes);
  assert.deepEqual(modes(good).secrets?.map((u) => u.secret), ["txt"]);
  assert.deepEqual(modes(other), { goal: "switch" });
  assert.equal(failed.length, 0);

  const bad = plan({ pw: { keyCommand: ["false"] } });
  assert.equal(
    await activationModes([other, bad], { goal: "switch", onFailure: "stop", plan: [] }, fail),
    undefined,
  );
  assert.deepEqual(failed.map((f) => f.split(":")[0]), ["app", "system"]);
  assert.match(failed[0], /db\.system \(field secrets\.pw\): secret pw: keyCommand false exited/);

  // A dry activation writes nothing, so reads nothing: not even a failing command runs.
  const dry = await activationModes(
    [bad],
    { goal: "dry-activate", onFailure: "stop", plan: [] },
    fail,
  );
  assert.deepEqual(dry!(bad), { goal: "dry-activate" });
});

Deno.test("activation modes: what secrets replace is kept after the outcome only when a revoke can follow", async () => {
  const a = plan({ txt: { text: "plain" } });
  const b = { ...planOf("web", { profile: "system" }) };
  const fail = () => {};
  const keeps = async (o: Parameters<typeof activationModes>[1], p = a) =>
    (await activationModes([p], o, fail))!(p).keepSecretBackups === true;
  assert.equal(await keeps({ goal: "switch", onFailure: "stop-and-revoke", plan: [a, b] }), true);
  assert.equal(await keeps({ goal: "boot", onFailure: "stop-and-revoke", plan: [a, b] }), true);
  // Nothing can revoke it: another policy, the only profile of the run, no autoRollback.
  assert.equal(await keeps({ goal: "switch", onFailure: "stop", plan: [a, b] }), false);
  assert.equal(await keeps({ goal: "switch", onFailure: "keep-going", plan: [a, b] }), false);
  assert.equal(await keeps({ goal: "switch", onFailure: "stop-and-revoke", plan: [a] }), false);
  const noRollback = { ...a, settings: { ...a.settings, autoRollback: false } };
  assert.equal(
    await keeps(
      { goal: "switch", onFailure: "stop-and-revoke", plan: [noRollback, b] },
      noRollback,
    ),
    false,
  );
});

Deno.test("secret values: a keyCommand's output arrives byte for byte (a binary key: NUL, bytes that are no UTF-8)", async () => {
  const [u] = await readSecretValues(plan({
    key: { keyCommand: ["sh", "-c", "printf '\\377\\000\\200k\\303\\251'"] },
  }));
  assert.deepEqual([...Buffer.from(u.value, "base64")], [0xff, 0x00, 0x80, 0x6b, 0xc3, 0xa9]);
});

Deno.test("secret values: more than one activation carries is refused on the deployer, naming node, profile and secret, before any host", async () => {
  const dir = mkdtempSync(join(tmpdir(), "secret-values-"));
  writeFileSync(join(dir, "big"), new Uint8Array(400 * 1024));
  const p = plan({
    a: { keyFile: join(dir, "big") },
    b: { keyFile: join(dir, "big") },
  });
  await assert.rejects(
    () => readSecretValues(p),
    (e: DeployError) => {
      assert.match(
        e.describe(),
        /db\.system \(field secrets\.b\): the secrets are 800 KiB together, more than the 700 KiB one activation carries; no host was contacted/,
      );
      return true;
    },
  );
  // A keyFile that never ends (a device) is read no further than that.
  await assert.rejects(() => readSecretValues(plan({ z: { keyFile: "/dev/zero" } })), /700 KiB/);
});

Deno.test("secret values: a keyCommand that prints without end is stopped at the limit, not read into memory", async () => {
  await assert.rejects(
    () => readSecretValues(plan({ y: { keyCommand: ["yes"] } })),
    /secret y: keyCommand yes printed more than the 700 KiB one activation carries; no host was contacted/,
  );
});

Deno.test("activation modes: a source that several nodes share is read once per run, not once per node", async () => {
  const dir = mkdtempSync(join(tmpdir(), "secret-values-"));
  const counter = join(dir, "runs");
  // Each run of the command appends a line and prints how many there are.
  const shared = { keyCommand: ["sh", "-c", `echo x >>${counter}; wc -l <${counter}`] };
  const onNode = (node: string) =>
    planOf(node, { settings: { secrets: { pw: { ...TARGET, name: "pw", ...shared } } } });
  const valueOf = async (run: Parameters<typeof activationModes>[1], node: string) => {
    const p = onNode(node);
    const modes = await activationModes([p], run, () => {});
    return decoded(modes!(p).secrets![0].value).trim();
  };
  const firstRun = { goal: "switch", onFailure: "stop", plan: [] } as const;
  assert.equal(await valueOf(firstRun, "web"), "1");
  assert.equal(
    await valueOf(firstRun, "db"),
    "1",
    "the second node got the value read for the first",
  );
  const secondRun = { ...firstRun };
  assert.equal(await valueOf(secondRun, "web"), "2", "a new run reads it again");
});
