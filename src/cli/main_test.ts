import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { HELPER_COMMANDS } from "../wire/requests.ts";
import { helperUsage } from "../wire/usage.ts";

const MOD = fileURLToPath(new URL("../../mod.ts", import.meta.url));

/** `deploy ARGS…` as a program, its stdin a pipe that stays open: reading it would block. */
async function deploy(...args: string[]): Promise<{ code: number; stdout: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MOD, ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  try {
    const { code, stdout } = await child.output();
    return { code, stdout: new TextDecoder().decode(stdout) };
  } finally {
    clearTimeout(timer);
    await child.stdin.close().catch(() => {});
  }
}

Deno.test("main: `deploy activate --help` prints the usage from the request table and exits 0, reading no stdin", async () => {
  const r = await deploy("activate", "--help");
  assert.equal(r.code, 0);
  assert.equal(r.stdout, helperUsage("activate"));
  assert.match(r.stdout, /^Usage: deploy activate CLOSURE\n/);
  assert.match(r.stdout, /--confirm-timeout SECONDS/);
});

Deno.test("main: every helper command's --help (and -h) exits 0 with its usage", async () => {
  const results = await Promise.all(
    HELPER_COMMANDS.map((c, i) => deploy(c, i % 2 ? "-h" : "--help")),
  );
  HELPER_COMMANDS.forEach((c, i) => {
    assert.equal(results[i].code, 0, c);
    assert.equal(results[i].stdout, helperUsage(c), c);
  });
});
