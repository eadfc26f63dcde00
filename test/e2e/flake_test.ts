/**
 * The Nix packaging: the real flake.nix and default.nix, evaluated and built
 * against the stand-in nixpkgs; the lib's profiles built and run; the
 * deployChecks; a lib-made profile activated on a testbed host.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { run, runChecked } from "../../src/process/run.ts";
import { nixStringLiteral } from "../../src/nix/nix_string.ts";
import { profileDrv, writeTree } from "../support/flake.ts";
import { overrideNixpkgs, standInNixpkgs } from "../support/stand_in.ts";
import { REPO_ROOT, Testbed } from "../support/testbed.ts";
import { confirm, copyTo, HelperSession } from "../support/helper.ts";

const SYSTEM = "x86_64-linux";

/** A user's flake that pins deploy-ts (this checkout) and the stand-in nixpkgs. */
function userFlake(outputs: string): string {
  return writeTree({
    "flake.nix": `{
  inputs.nixpkgs.url = ${nixStringLiteral(`path:${standInNixpkgs()}`)};
  inputs.deploy-ts.url = ${nixStringLiteral(`git+file://${REPO_ROOT}`)};
  inputs.deploy-ts.inputs.nixpkgs.follows = "nixpkgs";
  outputs = { self, nixpkgs, deploy-ts }:
    let
      lib = deploy-ts.lib.${SYSTEM};
      pkgs = nixpkgs.legacyPackages.${SYSTEM};
      script = name: text: pkgs.runCommand name { inherit text; } ''
        mkdir -p $out/bin && printf '%s\\n' "#!/bin/sh" "$text" > $out/bin/run && chmod +x $out/bin/run
      '';
      # Shaped like a NixOS configuration: switch-to-configuration logs its argument.
      nixosLike = {
        config.system.build.toplevel = pkgs.runCommand "nixos-system" { } ''
          mkdir -p $out/bin
          printf '%s\\n' '#!/bin/sh' 'echo "switch-to-configuration $1" >> "''\${LOG:-/tmp/switch-log}"' > $out/bin/switch-to-configuration
          chmod +x $out/bin/switch-to-configuration
        '';
      };
      # Shaped like a home-manager configuration: an activationPackage with ./activate.
      homeLike = {
        activationPackage = pkgs.runCommand "home-manager-generation" { } ''
          mkdir -p $out
          printf '%s\\n' '#!/bin/sh' 'echo "home-manager activate in $PWD" >> "$LOG"' > $out/activate
          chmod +x $out/activate
        '';
      };
    in ${outputs};
}`,
  });
}

async function nixBuild(
  flake: string,
  attr: string,
): Promise<{ code: number | null; out: string; log: string }> {
  const r = await run([
    "nix",
    "build",
    "--no-link",
    "--json",
    "-L",
    `${flake}#${attr}`,
    ...overrideDeployTsNixpkgs(),
  ]);
  const out = r.code === 0 ? JSON.parse(r.stdout)[0].outputs.out as string : "";
  return { code: r.code, out, log: r.stderr };
}

/** The user's flake already follows our nixpkgs; nothing to override but the lock file. */
function overrideDeployTsNixpkgs(): string[] {
  return ["--no-write-lock-file"];
}

async function runEntry(profile: string, env: Record<string, string>): Promise<string> {
  const log = `/tmp/deploy-ts-entry-${crypto.randomUUID()}`;
  await runChecked([join(profile, "deploy-ts-activate")], {
    env: { PROFILE: profile, LOG: log, DRY_ACTIVATE: "0", BOOT: "0", ...env },
  });
  const r = await run(["cat", log]);
  return r.stdout.trim();
}

Deno.test("flake: nix flake show lists every output", async () => {
  const r = await runChecked(["nix", "flake", "show", "--json", REPO_ROOT, ...overrideNixpkgs()]);
  const show = JSON.parse(r.stdout);
  for (
    const output of ["packages", "apps", "lib", "checks", "overlays", "devShells", "formatter"]
  ) {
    assert.ok(output in show, output);
  }
  for (const system of ["x86_64-linux", "aarch64-linux", "x86_64-darwin", "aarch64-darwin"]) {
    assert.equal(show.packages[system].default.name, "deploy-ts-0.1.0");
    assert.ok("unit-tests" in show.checks[system]);
  }
});

Deno.test("flake: the package runs, and the unit tests run as a check", async () => {
  const r = await runChecked([
    "nix",
    "build",
    "--no-link",
    "--json",
    "-L",
    `${REPO_ROOT}#packages.${SYSTEM}.default`,
    `${REPO_ROOT}#checks.${SYSTEM}.unit-tests`,
    ...overrideNixpkgs(),
  ]);
  const built = JSON.parse(r.stdout) as { drvPath: string; outputs: { out: string } }[];
  const pkg = built.find((b) => b.drvPath.endsWith("-deploy-ts-0.1.0.drv"))!;
  const check = built.find((b) => b.drvPath.includes("-deploy-ts-unit-tests-"))!;
  const version = await runChecked([`${pkg.outputs.out}/bin/deploy`, "--version"], { cwd: "/" });
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);
  // The check's build log, whether it was built just now or earlier.
  const log = await runChecked(["nix", "log", check.drvPath]);
  assert.match(log.stdout, /ok \| \d+ passed \| 0 failed/);
});

Deno.test("lib: custom, noop, nixos and home-manager profiles hold the base, the entry and the helper", async () => {
  const flake = userFlake(`{
    custom = lib.activate.custom (script "app" "echo app") ''echo "custom $PROFILE" >> "$LOG"'';
    customOverridden = (lib.activate.custom // { dryActivate = ''echo dry >> "$LOG"''; boot = ''echo boot >> "$LOG"''; })
      (script "app" "echo app") ''echo switch >> "$LOG"'';
    noop = lib.activate.noop (script "tool" "echo tool");
    nixos = lib.activate.nixos nixosLike;
    home = lib.activate.home-manager homeLike;
  }`);
  const built: Record<string, string> = {};
  for (const attr of ["custom", "customOverridden", "noop", "nixos", "home"]) {
    const b = await nixBuild(flake, attr);
    assert.equal(b.code, 0, b.log);
    built[attr] = b.out;
  }
  const custom = built.custom;
  assert.equal((await runChecked([`${custom}/bin/run`])).stdout.trim(), "app");
  assert.match(
    (await runChecked([`${custom}/deploy-ts-helper/bin/deploy`, "--version"], { cwd: "/" })).stdout,
    /\d/,
  );
  assert.equal(await runEntry(custom, {}), `custom ${custom}`);
  // Without overrides, dry and boot modes only say what would run.
  const dry = await runChecked([`${custom}/deploy-ts-activate`], {
    env: { PROFILE: custom, DRY_ACTIVATE: "1" },
  });
  assert.match(dry.stdout, /dry activation; the activation would run: echo "custom \$PROFILE"/);
  const o = built.customOverridden;
  assert.equal(await runEntry(o, {}), "switch");
  assert.equal(await runEntry(o, { DRY_ACTIVATE: "1" }), "dry");
  assert.equal(await runEntry(o, { BOOT: "1" }), "boot");
  await runChecked([`${built.noop}/deploy-ts-activate`], { env: { PROFILE: built.noop } });
  // NixOS: switch without the bootloader first, make it the boot default only after.
  assert.equal(
    await runEntry(built.nixos, {}),
    "switch-to-configuration test\nswitch-to-configuration boot",
  );
  assert.equal(
    await runEntry(built.nixos, { DRY_ACTIVATE: "1" }),
    "switch-to-configuration dry-activate",
  );
  assert.equal(await runEntry(built.nixos, { BOOT: "1" }), "switch-to-configuration boot");
  // With magic rollback the helper makes it the boot default only once confirmed (BOOT=1 then).
  assert.ok(existsSync(`${built.nixos}/deploy-ts-boot-after-confirm`));
  assert.ok(!existsSync(`${built.custom}/deploy-ts-boot-after-confirm`));
  assert.equal(
    await runEntry(built.nixos, { DEPLOY_TS_BOOT_AFTER_CONFIRM: "1" }),
    "switch-to-configuration test",
  );
  assert.equal(await runEntry(built.home, {}), `home-manager activate in ${built.home}`);
});

const GOOD_PROFILE =
  `lib.activate.noop (pkgs.runCommand "never-built" { } "echo this must not be built; exit 1")`;

/** Malformed deploy outputs for deployChecks, and what the failure must say. */
const MALFORMED: [string, string, RegExp][] = [
  ["no nodes", `{ sshUser = "root"; }`, /field nodes: required field is missing/],
  [
    "hostname missing",
    `{ nodes.web.profiles.system.path = ${GOOD_PROFILE}; }`,
    /web \(field hostname\): required field is missing/,
  ],
  [
    "hostname a number",
    `{ nodes.web = { hostname = 1; profiles.system.path = ${GOOD_PROFILE}; }; }`,
    /web \(field hostname\): expected a host name/,
  ],
  [
    "profiles a list",
    `{ nodes.web = { hostname = "w"; profiles = [ ]; }; }`,
    /web \(field profiles\): expected an attribute set of profiles/,
  ],
  [
    "path missing",
    `{ nodes.web = { hostname = "w"; profiles.system.user = "root"; }; }`,
    /web\.system \(field path\): required field is missing/,
  ],
  [
    "path a number",
    `{ nodes.web = { hostname = "w"; profiles.system.path = 5; }; }`,
    /web\.system \(field path\): expected a derivation or a store path/,
  ],
  [
    "confirmTimeout a string",
    `{ nodes.web = { hostname = "w"; profiles.system = { path = ${GOOD_PROFILE}; confirmTimeout = "30"; }; }; }`,
    /web\.system \(field confirmTimeout\): expected a whole number of seconds \(0 or more\), found the string "30"/,
  ],
  [
    "magicRollback a string",
    `{ magicRollback = "no"; nodes.web = { hostname = "w"; profiles.system.path = ${GOOD_PROFILE}; }; }`,
    /field magicRollback: expected true or false/,
  ],
  [
    "sshOpts a string",
    `{ nodes.web = { hostname = "w"; sshOpts = "-p 22"; profiles.system.path = ${GOOD_PROFILE}; }; }`,
    /web \(field sshOpts\): expected a list of strings/,
  ],
  [
    "profilesOrder unknown",
    `{ nodes.web = { hostname = "w"; profilesOrder = [ "sytem" ]; profiles.system.path = ${GOOD_PROFILE}; }; }`,
    /web \(field profilesOrder\): names the profile "sytem".*did you mean "system"\?/,
  ],
  [
    "remoteBuild a string",
    `{ nodes."db.internal" = { hostname = "d"; remoteBuild = "yes"; profiles.system.path = ${GOOD_PROFILE}; }; }`,
    /"db\.internal" \(field remoteBuild\): expected true or false/,
  ],
  [
    "activationTimeout negative",
    `{ nodes.web = { hostname = "w"; profiles.app = { path = ${GOOD_PROFILE}; activationTimeout = -1; }; }; }`,
    /web\.app \(field activationTimeout\): expected a whole number of seconds \(0 or more\), found the number -1/,
  ],
];

Deno.test("deployChecks: rejects malformed deploy outputs, naming node, profile and field", async () => {
  const flake = userFlake(`{
    ${
    MALFORMED.map(([_, deploy], i) => `bad${i} = (lib.deployChecks ${deploy}).deploy-schema;`).join(
      "\n    ",
    )
  }
    noEntry = (lib.deployChecks { nodes.web = { hostname = "w"; profiles.raw.path = script "raw" "true"; }; }).deploy-activate;
  }`);
  for (const [i, [name, , message]] of MALFORMED.entries()) {
    const b = await nixBuild(flake, `bad${i}`);
    assert.notEqual(b.code, 0, name);
    assert.match(b.log, message, name);
  }
  const noEntry = await nixBuild(flake, "noEntry");
  assert.notEqual(noEntry.code, 0);
  assert.match(noEntry.log, /web\.raw \(field path\): not made by lib\.activate\.\*/);
});

Deno.test("deployChecks: accepts a valid output without building its profiles", async () => {
  const flake = userFlake(`{
    deploy = { sshUser = "root"; nodes.web = { hostname = "w"; profilesOrder = [ "system" ];
      profiles.system.path = ${GOOD_PROFILE}; profiles.app = { user = "alice"; path = lib.activate.nixos nixosLike; }; }; };
    checks.${SYSTEM} = lib.deployChecks self.deploy;
  }`);
  for (const check of ["deploy-schema", "deploy-activate"]) {
    const b = await nixBuild(flake, `checks.${SYSTEM}.${check}`);
    assert.equal(b.code, 0, b.log);
  }
  const path = await runChecked([
    "nix",
    "eval",
    "--raw",
    `${flake}#deploy.nodes.web.profiles.system.path.outPath`,
    "--no-write-lock-file",
  ]);
  const valid = await run(["nix-store", "--check-validity", path.stdout]);
  assert.notEqual(valid.code, 0, "the profile must not have been built");
});

Deno.test("default.nix: the package, the checks and the lib with flakes switched off", async () => {
  const noFlakes = { NIX_CONFIG: "experimental-features = nix-command" };
  const standIn = ["--arg", "nixpkgs", `import ${REPO_ROOT}/test/nix/stand-in.nix { }`];
  const pkg = await runChecked(
    [
      "nix-build",
      "--no-out-link",
      join(REPO_ROOT, "default.nix"),
      "-A",
      `packages.${SYSTEM}.default`,
      ...standIn,
    ],
    { env: noFlakes },
  );
  assert.match(
    (await runChecked([`${pkg.stdout.trim()}/bin/deploy`, "--version"], { cwd: "/" })).stdout,
    /\d/,
  );
  const checks = await run(
    [
      "nix-build",
      "--no-out-link",
      join(REPO_ROOT, "default.nix"),
      "-A",
      `checks.${SYSTEM}`,
      ...standIn,
    ],
    { env: noFlakes },
  );
  assert.equal(checks.code, 0, checks.stderr);
  const noop = await runChecked([
    "nix-build",
    "--no-out-link",
    "-E",
    `let d = import ${REPO_ROOT}/default.nix { nixpkgs = import ${REPO_ROOT}/test/nix/stand-in.nix { }; };
     in d.lib.${SYSTEM}.activate.noop (${profileDrv("tool", "hi")})`,
  ], { env: noFlakes });
  assert.match(noop.stdout, /activatable-tool/);
});

Deno.test("lib: a NixOS-shaped profile made by the lib is activated and confirmed on a host", async () => {
  await using tb = await Testbed.up(1);
  const flake = userFlake(`{ system = lib.activate.nixos nixosLike; }`);
  const built = await nixBuild(flake, "system");
  assert.equal(built.code, 0, built.log);
  const helper = `${built.out}/deploy-ts-helper`;
  const pkg = (await runChecked(["readlink", "-f", helper])).stdout.trim();
  await copyTo(tb, "h1", built.out);
  const s = new HelperSession(tb, "root@h1", [
    `${pkg}/bin/deploy`,
    "activate",
    built.out,
    "--profile-user",
    "root",
    "--profile-name",
    "system",
    "--magic-rollback",
    "--auto-rollback",
    "--confirm-timeout",
    "20",
  ]);
  const { runDir, token } = await s.run();
  await s.phase("awaiting-confirmation");
  assert.equal((await confirm(tb, "root@h1", pkg, runDir, token!)).code, 0);
  const outcome = await s.outcome();
  assert.equal(outcome.outcome, "confirmed", JSON.stringify(s.events));
  const active = await tb.exec("h1", ["readlink", "-f", "/nix/var/nix/profiles/system"]);
  assert.equal(active.stdout.trim(), built.out);
});
