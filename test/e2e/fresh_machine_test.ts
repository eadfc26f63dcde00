/**
 * A new machine, simulated: in a private mount namespace, `/etc/nix` is an
 * empty directory and `/etc/group` has no `nixbld`, as on a Debian machine
 * where only `nix-bin` was installed. `scripts/setup` alone must make the
 * deployer's Nix build and deploy, and the demo must end with the lock-out
 * host rolled back. Nothing of this machine's own Nix settings leaks in.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run, type RunResult } from "../../src/process/run.ts";
import { REPO_ROOT, Testbed } from "../support/testbed.ts";
import { cliArgv } from "../support/cli.ts";
import { shellQuote } from "../../src/shared/shell_quote.ts";
import { fleetFlake, profileTarget, ROOT_PROFILE } from "../support/fleet.ts";

/** Run a bash script as a new machine would: its own empty /etc/nix, no nixbld group. */
function onFreshMachine(
  script: string,
  options: { etcNix?: string; env?: Record<string, string> } = {},
): Promise<RunResult> {
  const etcNix = options.etcNix ?? mkdtempSync(join(tmpdir(), "deploy-ts-etc-nix-"));
  const group = join(mkdtempSync(join(tmpdir(), "deploy-ts-etc-group-")), "group");
  writeFileSync(
    group,
    readFileSync("/etc/group", "utf8").split("\n").filter((l) => !l.startsWith("nixbld:"))
      .join("\n"),
  );
  const prelude = `set -euo pipefail
mount --bind "$ETC_NIX" /etc/nix
mount --bind "$ETC_GROUP" /etc/group
if getent group nixbld >/dev/null; then echo "fresh machine: nixbld is still there" >&2; exit 99; fi
`;
  return run(
    ["unshare", "-m", "--propagation", "private", "bash", "-c", prelude + script],
    {
      cwd: REPO_ROOT,
      env: { ETC_NIX: etcNix, ETC_GROUP: group, NO_COLOR: "1", ...options.env },
    },
  );
}

Deno.test("fresh machine: scripts/setup alone lets the deployer build and deploy, and the demo rolls back", async () => {
  await using tb = await Testbed.up(3);
  // A profile nobody built before on this machine: Nix has to run a builder.
  const nonce = crypto.randomUUID().slice(0, 8);
  const dir = fleetFlake(tb, {
    web: { hostname: "h1", profiles: { system: { message: `fresh-${nonce}` } } },
  });
  const deploy = cliArgv(["-s", "--no-progress", "."]).map(shellQuote).join(" ");
  const r = await onFreshMachine(
    `./scripts/setup
(cd "$FLEET" && ${deploy})
# The demo, on the same new machine, against this test's own hosts.
./scripts/demo`,
    { env: { FLEET: dir, TESTBED_DIR: tb.dir, TESTBED_NET: tb.net } },
  );
  const output = r.stdout + r.stderr;
  assert.equal(r.code, 0, output);
  // The fresh profile was h1's first generation, before the demo's.
  assert.match(
    await profileTarget(tb, "h1", `${ROOT_PROFILE("system")}-1-link`),
    new RegExp(`-${nonce}$`),
  );
  assert.match(output, /db\.system +rolled back/);
  assert.match(output, /deploy@h2: system-db\n/, "db is back on its good generation");
});

Deno.test("fresh machine: setup keeps a person's nix.conf lines, upgrades an older block in place, is idempotent", async () => {
  const etcNix = mkdtempSync(join(tmpdir(), "deploy-ts-etc-nix-"));
  const conf = join(etcNix, "nix.conf");
  writeFileSync(
    conf,
    [
      "# my own settings",
      "max-jobs = 3",
      // The block an earlier deploy-ts wrote.
      "# deploy-ts: begin",
      "experimental-features = nix-command flakes",
      "substituters =",
      "# deploy-ts: end",
      "keep-outputs = true",
      "",
    ].join("\n"),
  );
  const r = await onFreshMachine(
    `./scripts/setup
cp /etc/nix/nix.conf /etc/nix/after-first
./scripts/setup
nix show-config --json`,
    { etcNix },
  );
  assert.equal(r.code, 0, r.stderr);
  const text = readFileSync(conf, "utf8");
  assert.equal(
    text,
    readFileSync(join(etcNix, "after-first"), "utf8"),
    "a second run changes nothing",
  );
  assert.equal(text.match(/# deploy-ts: begin/g)?.length, 1);
  assert.equal(text.match(/^max-jobs = 3$/gm)?.length, 1);
  assert.equal(text.match(/^keep-outputs = true$/gm)?.length, 1);
  const config = JSON.parse(r.stdout.slice(r.stdout.indexOf("{")));
  assert.equal(config["build-users-group"].value, "");
  assert.equal(config["sandbox"].value, false);
  assert.equal(config["max-jobs"].value, 3);
  assert.equal(config["keep-outputs"].value, true);
  assert.deepEqual(config["substituters"].value, []);
});
