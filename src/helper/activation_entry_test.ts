import assert from "node:assert/strict";
import { activationCommand } from "./activation_entry.ts";

const has = (...paths: string[]) => (p: string) => paths.includes(p);

Deno.test("entry: deploy-ts-activate first, with deploy-rs's environment", () => {
  const c = activationCommand(
    "/p",
    "switch",
    has("/p/deploy-ts-activate", "/p/deploy-rs-activate"),
  );
  assert.deepEqual(c, {
    argv: ["/p/deploy-ts-activate"],
    env: { PROFILE: "/p", DRY_ACTIVATE: "0", BOOT: "0" },
    cwd: "/p",
  });
});

Deno.test("entry: profiles made by deploy-rs's lib activate with deploy-rs-activate", () => {
  const c = activationCommand("/p", "dry-activate", has("/p/deploy-rs-activate"));
  assert.deepEqual(c?.argv, ["/p/deploy-rs-activate"]);
  assert.equal(c?.env.DRY_ACTIVATE, "1");
});

Deno.test("entry: a plain NixOS system switches with switch-to-configuration in the right mode", () => {
  const exists = has("/p/bin/switch-to-configuration");
  assert.deepEqual(activationCommand("/p", "switch", exists)?.argv, [
    "/p/bin/switch-to-configuration",
    "switch",
  ]);
  assert.deepEqual(activationCommand("/p", "boot", exists)?.argv, [
    "/p/bin/switch-to-configuration",
    "boot",
  ]);
  assert.equal(activationCommand("/p", "boot", exists)?.env.BOOT, "1");
});

Deno.test("entry: none found", () => {
  assert.equal(activationCommand("/p", "switch", has()), undefined);
});
