/**
 * Secrets end to end (issue 23): read on the deployer, carried on the
 * activation's stdin only, written on the host with their owner and mode,
 * put back with every rollback, and refused before the switch when their
 * owner is unknown. The testbed hosts have a private /run, so /run/keys is
 * the real default.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DeployEventSchema } from "../../src/shared/event_schema.ts";
import { Testbed } from "../support/testbed.ts";
import { cliArgv } from "../support/cli.ts";
import { run } from "../../src/process/run.ts";
import { deployFleet, fleetFlake, profileTarget, ROOT_PROFILE } from "../support/fleet.ts";

const KEYS = "/nix/var/testbed/authorized_keys/root";

/** `user group mode content` of a file on a host, or "absent". */
async function onHost(tb: Testbed, host: string, path: string): Promise<string> {
  const r = await tb.exec(host, [
    "sh",
    "-c",
    `if [ -e "$1" ]; then printf '%s ' "$(stat -c '%U %G %a' "$1")"; cat "$1"; else echo absent; fi`,
    "sh",
    path,
  ]);
  return r.stdout.trim();
}

/** A file on the deployer, owner-only, holding `value`. */
function deployerFile(tb: Testbed, name: string, value: string): string {
  const path = join(tb.dir, name);
  writeFileSync(path, value, { mode: 0o600 });
  return path;
}

/**
 * Every process's argv and environment on this machine (the hosts share its
 * PIDs) holding `marker`, and whether the helper's `activate` was running.
 */
function processesHolding(marker: string, helperSeen: () => void): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc")) {
    if (!/^[0-9]+$/.test(pid)) continue;
    for (const what of ["cmdline", "environ"]) {
      try {
        const text = readFileSync(`/proc/${pid}/${what}`, "latin1");
        if (text.includes(marker)) found.push(`${pid} ${what}: ${text.replaceAll("\0", " ")}`);
        if (what === "cmdline" && /deploy\.mjs\0activate\0/.test(text)) helperSeen();
      } catch {
        // Gone meanwhile, or not ours to read.
      }
    }
  }
  return found;
}

/** The files under `dirs` on a host that hold any of `values`, as they are or as they travel (base64). */
async function filesHolding(
  tb: Testbed,
  host: string,
  values: string[],
  dirs: string[],
): Promise<string[]> {
  const patterns = values.flatMap((v) => ["-e", v, "-e", btoa(v)]);
  const r = await tb.exec(host, ["grep", "-r", "-l", "-F", ...patterns, ...dirs]);
  return r.stdout.split("\n").filter(Boolean);
}

function storePaths(): Set<string> {
  return new Set(readdirSync("/nix/store"));
}

for (const transport of ["openssh", "ssh2"] as const) {
  Deno.test(`secrets${transport === "ssh2" ? " (ssh2)" : ""}: a command and a file arrive with owner and mode; the value is in no store, argv, environment, log or event; no extra helper start or login`, async () => {
    await using tb = await Testbed.up(1);
    const marker = `secret-marker-${crypto.randomUUID()}`;
    // The command reads the marker from a file: its own argv does not hold it.
    const source = deployerFile(tb, "cmd-source", marker);
    const keyFile = deployerFile(tb, "tls-key", `file:${marker}`);
    const dir = fleetFlake(tb, {
      db: {
        hostname: "h1",
        settings: {
          secrets: {
            "db-password": {
              keyCommand: ["sh", "-c", 'printf cmd:; cat "$0"', source],
              user: "deploy",
              group: "deploy",
              permissions: "0400",
            },
            tls: {
              keyFile,
              name: "server.key",
              destDir: "/run/keys/tls",
              user: "alice",
              group: "root",
              permissions: "0440",
            },
          },
        },
        // Built afresh by each run: its store paths are among those searched.
        profiles: { system: { message: `with-secrets-${marker.slice(-12)}` } },
      },
    }, { transport });
    const storeBefore = storePaths();
    const loginsBefore = logins(tb, "h1");
    const seen = new Set<string>();
    let running = true;
    let helperSeen = false;
    const sampling = (async () => {
      while (running) {
        for (const p of processesHolding(marker, () => (helperSeen = true))) seen.add(p);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const logDir = join(tb.dir, "logs");
    const r = await deployFleet(dir, ["--json", "--debug-logs", "--log-dir", logDir]);
    running = false;
    await sampling;
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout.trim().split("\n").map((l) => DeployEventSchema.parse(JSON.parse(l)));
    assert.ok(events.some((e) => e.type === "summary" && e.ok), r.stdout);

    assert.equal(
      await onHost(tb, "h1", "/run/keys/db-password"),
      `deploy deploy 400 cmd:${marker}`,
    );
    assert.equal(
      await onHost(tb, "h1", "/run/keys/tls/server.key"),
      `alice root 440 file:${marker}`,
    );
    const keysDir = await tb.exec("h1", ["stat", "-c", "%U %a", "/run/keys", "/run/keys/tls"]);
    assert.equal(keysDir.stdout, "root 755\nroot 755\n");
    // The host's log (in the events) names the secrets and where they went, not the value.
    assert.match(
      r.stdout,
      /secret db-password written to \/run\/keys\/db-password \(deploy:deploy, 0400\)/,
    );

    // Nowhere else: argv and environment of every process while it ran…
    assert.ok(helperSeen, "the sampling ran while the helper did");
    assert.deepEqual([...seen], []);
    // …the deployer's output (events, --debug-logs), its log files, new store paths here…
    assert.doesNotMatch(r.stdout + r.stderr, new RegExp(marker));
    const logs = (readdirSync(logDir, { recursive: true }) as string[]).map((f) => join(logDir, f))
      .filter((f) => statSync(f).isFile());
    assert.ok(logs.some((f) => /secret db-password written/.test(readFileSync(f, "utf8"))), "logs");
    for (const f of logs) assert.doesNotMatch(readFileSync(f, "utf8"), new RegExp(marker), f);
    const added = [...storePaths()].filter((p) => !storeBefore.has(p));
    assert.ok(
      added.some((p) => p.endsWith(`-profile-with-secrets-${marker.slice(-12)}`)),
      "searched",
    );
    const inStore = await run([
      "grep",
      "-r",
      "-l",
      "-F",
      "-e",
      marker,
      ...added.map((p) => join("/nix/store", p)),
    ]);
    assert.equal(inStore.stdout, "", "the value is in the deployer's store");
    // …and on the host: its whole store, run directories, records, homes.
    const values = [marker, `cmd:${marker}`, `file:${marker}`];
    const onH1 = await filesHolding(tb, "h1", values, ["/nix", "/tmp", "/root", "/home"]);
    assert.deepEqual(onH1, [], "the value is on h1");
    // The values rode on the activation's own stdin: no helper start or login of their own
    // (activate and its worker; the first login, and the confirmation's fresh one).
    const starts = await tb.exec("h1", ["cat", "/tmp/testbed-helper-starts"]);
    assert.deepEqual(starts.stdout.split("\n").filter(Boolean).sort(), ["activate", "run-job"]);
    assert.equal(logins(tb, "h1") - loginsBefore, 2);
  });
}

Deno.test("secrets: a lock-out (magic rollback) and a failed health check each put the previous secret back", async () => {
  await using tb = await Testbed.up(1);
  const values = ["v1", "v2", "v3"].map((v) => `${v}-${crypto.randomUUID()}`);
  const fleet = (n: number, o: { lockout?: boolean; settings?: Record<string, unknown> } = {}) =>
    fleetFlake(tb, {
      db: {
        hostname: "h1",
        settings: {
          secrets: {
            pw: {
              keyFile: deployerFile(tb, `pw-${n}`, values[n]),
              user: "deploy",
              group: "deploy",
              permissions: "0400",
            },
            // New in the later generations: gone again after their rollback.
            ...(n > 0 ? { fresh: { keyFile: deployerFile(tb, `fresh-${n}`, values[n]) } } : {}),
          },
          ...o.settings,
        },
        profiles: {
          system: {
            message: `gen-${n}`,
            // Like a system config: each generation decides who may log in.
            script: o.lockout ? `rm -f ${KEYS}` : `cp /nix/var/testbed/deployer.pub ${KEYS}`,
          },
        },
      },
    });
  const first = await deployFleet(fleet(0), []);
  assert.equal(first.code, 0, first.stderr);
  const good = await profileTarget(tb, "h1", ROOT_PROFILE("system"));
  // Someone changed its owner and mode since: the rollback restores those too.
  await tb.exec("h1", ["sh", "-c", "chown alice:alice /run/keys/pw && chmod 0640 /run/keys/pw"]);
  const before = `alice alice 640 ${values[0]}`;
  assert.equal(await onHost(tb, "h1", "/run/keys/pw"), before);

  const lockedOut = await deployFleet(
    fleet(1, { lockout: true, settings: { confirmTimeout: 3 } }),
    [],
  );
  assert.notEqual(lockedOut.code, 0);
  assert.match(
    lockedOut.stderr,
    /db\.system +rolled back +no confirmation within 3s;.*secrets? .*put back/,
  );
  assert.equal(await profileTarget(tb, "h1", ROOT_PROFILE("system")), good);
  assert.equal(await onHost(tb, "h1", "/run/keys/pw"), before);
  assert.equal(await onHost(tb, "h1", "/run/keys/fresh"), "absent");

  const unhealthy = await deployFleet(
    fleet(2, {
      settings: {
        healthChecks: { up: { command: ["false"] } },
        healthTimeout: 3,
        healthInterval: 1,
        confirmTimeout: 5,
      },
    }),
    [],
  );
  assert.notEqual(unhealthy.code, 0);
  assert.match(
    unhealthy.stderr,
    /db\.system +rolled back +health check up \(command\) did not pass/,
  );
  assert.equal(await profileTarget(tb, "h1", ROOT_PROFILE("system")), good);
  assert.equal(await onHost(tb, "h1", "/run/keys/pw"), before);
  assert.equal(await onHost(tb, "h1", "/run/keys/fresh"), "absent");
  // What was kept to put them back left the run directories with the outcome.
  for (const v of values) {
    assert.deepEqual(await filesHolding(tb, "h1", [v], ["/tmp", "/nix/var"]), [], v);
  }
});

/** Logins the host's sshd accepted so far. */
function logins(tb: Testbed, host: string): number {
  return readFileSync(join(tb.dir, "hosts", host, "sshd.log"), "utf8").split("\n")
    .filter((l) => l.startsWith("Accepted publickey")).length;
}

Deno.test("secrets: a failing keyCommand fails the node with its stderr before any host is touched", async () => {
  await using tb = await Testbed.up(1);
  const dir = fleetFlake(tb, {
    db: {
      hostname: "h1",
      settings: {
        secrets: { pw: { keyCommand: ["sh", "-c", "echo the vault is sealed >&2; exit 3"] } },
      },
      profiles: { system: { message: "never" } },
    },
  });
  const before = logins(tb, "h1");
  const r = await deployFleet(dir, []);
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    /\[db\.system\] failed: db\.system \(field secrets\.pw\): secret pw: keyCommand sh exited with code 3:\nthe vault is sealed; no host was contacted/,
  );
  assert.equal(logins(tb, "h1"), before);
  assert.equal(await profileTarget(tb, "h1", ROOT_PROFILE("system")), "");
});

Deno.test("secrets: an unknown owner fails before the switch; post-activation waits for the user the generation creates", async () => {
  await using tb = await Testbed.up(1);
  // The hosts share this machine's /etc/passwd: a name of this test's own, removed after it.
  const user = `s23-${crypto.randomUUID().slice(0, 8)}`;
  const fleet = (uploadAt: string) =>
    fleetFlake(tb, {
      db: {
        hostname: "h1",
        settings: {
          secrets: {
            pw: {
              keyFile: deployerFile(tb, "pw", "for-the-new-user"),
              user,
              group: user,
              uploadAt,
            },
            early: { keyFile: deployerFile(tb, "early", "early"), uploadAt: "pre-activation" },
          },
        },
        profiles: {
          system: {
            message: `creates-${uploadAt}`,
            script: `id -u ${user} >/dev/null 2>&1 || /usr/sbin/useradd -M -r -U ${user}`,
          },
        },
      },
    });
  try {
    const pre = await deployFleet(fleet("pre-activation"), []);
    assert.equal(pre.code, 1, pre.stderr);
    assert.match(
      pre.stderr,
      new RegExp(
        `\\[db\\.system\\] failed: secret pw: its owner's user ${user} does not exist on the host \\(pre-activation, /run/keys/pw\\); the profile was not switched`,
      ),
    );
    assert.equal(await profileTarget(tb, "h1", ROOT_PROFILE("system")), "");
    // Nothing written, not even the secret whose owner exists.
    assert.equal(await onHost(tb, "h1", "/run/keys/pw"), "absent");
    assert.equal(await onHost(tb, "h1", "/run/keys/early"), "absent");

    const post = await deployFleet(fleet("post-activation"), []);
    assert.equal(post.code, 0, post.stderr);
    assert.match(post.stderr, /db\.system +confirmed/);
    assert.equal(await onHost(tb, "h1", "/run/keys/pw"), `${user} ${user} 600 for-the-new-user`);
    assert.equal(await onHost(tb, "h1", "/run/keys/early"), "root root 600 early");
  } finally {
    await tb.exec("h1", ["sh", "-c", `/usr/sbin/userdel ${user} 2>/dev/null || true`]);
  }
});

Deno.test("secrets: deploy secrets uploads them alone, all or none; deploy status says whether each is as declared", async () => {
  await using tb = await Testbed.up(1);
  const marker = `upload-marker-${crypto.randomUUID()}`;
  const fleet = (extra: Record<string, unknown> = {}) =>
    fleetFlake(tb, {
      db: {
        hostname: "h1",
        settings: {
          secrets: {
            pw: { keyFile: deployerFile(tb, "pw", marker), user: "deploy", permissions: "0400" },
            ...extra,
          },
        },
        profiles: { system: { message: "never-activated" } },
      },
    });
  const r = await deployFleet(fleet(), ["secrets"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /db\.system: 1 written\n {2}secret pw written to \/run\/keys\/pw \(deploy:root, 0400\)/,
  );
  assert.doesNotMatch(r.stdout + r.stderr, new RegExp(marker));
  assert.equal(await onHost(tb, "h1", "/run/keys/pw"), `deploy root 400 ${marker}`);
  // Nothing was activated.
  assert.equal(await profileTarget(tb, "h1", ROOT_PROFILE("system")), "");

  const status = await deployFleet(fleet(), ["status"]);
  assert.match(
    status.stdout,
    /db\.system: secret pw \(\/run\/keys\/pw\): present with its declared owner and mode/,
  );
  await tb.exec("h1", ["chmod", "0644", "/run/keys/pw"]);
  const changed = await deployFleet(fleet(), ["status", "--json"]);
  assert.deepEqual(JSON.parse(changed.stdout).profiles[0].secrets, [
    { secret: "pw", path: "/run/keys/pw", state: "differs", found: "deploy:root 0644" },
  ]);

  // One secret whose owner is unknown: none is written, the one already there is put back.
  const bad = await deployFleet(fleet({ other: { text: "x", user: "no-such-user-23" } }), [
    "secrets",
  ]);
  assert.equal(bad.code, 1, bad.stdout);
  assert.match(
    bad.stdout,
    /db\.system: FAILED: secret other: its owner's user no-such-user-23 does not exist/,
  );
  assert.equal(await onHost(tb, "h1", "/run/keys/pw"), `deploy root 644 ${marker}`);
  assert.equal(await onHost(tb, "h1", "/run/keys/other"), "absent");
  const after = await deployFleet(fleet({ other: { text: "x" } }), ["status"]);
  assert.match(after.stdout, /db\.system: secret other \(\/run\/keys\/other\): absent/);
});

Deno.test("secrets: a worker killed during the confirmation window; the next look rolls back and puts the secret back", async () => {
  await using tb = await Testbed.up(1);
  const fleet = (value: string, settings: Record<string, unknown> = {}) =>
    fleetFlake(tb, {
      db: {
        hostname: "h1",
        settings: {
          secrets: { pw: { keyFile: deployerFile(tb, `pw-${value}`, value), user: "deploy" } },
          ...settings,
        },
        profiles: { system: { message: value } },
      },
    });
  assert.equal((await deployFleet(fleet("first"), [])).code, 0);
  const good = await profileTarget(tb, "h1", ROOT_PROFILE("system"));
  const argv = cliArgv(["-s", "--no-progress", "."]);
  const child = spawn(argv[0], argv.slice(1), {
    cwd: fleet("second", { confirmTimeout: 600 }),
    stdio: ["ignore", "ignore", "ignore"],
  });
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
  // The run is in its window once the new secret is there and the canary waits.
  const pending = "/nix/var/nix/profiles/.deploy-ts/system.pending.json";
  let pid = "";
  for (let i = 0; i < 600 && !pid; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const seen = await tb.exec("h1", [
      "sh",
      "-c",
      `ls /tmp/deploy-ts-*/canary >/dev/null 2>&1 && grep -o '"pid":[0-9]*' ${pending} | cut -d: -f2`,
    ]);
    pid = seen.stdout.trim();
  }
  assert.ok(pid, "the run reached its confirmation window");
  assert.equal(await onHost(tb, "h1", "/run/keys/pw"), "deploy root 600 second");
  await tb.exec("h1", ["kill", "-9", pid]);
  child.kill("SIGKILL");
  await exited;
  const status = await deployFleet(fleet("first"), ["status", "--json"]);
  assert.equal(status.code, 0, status.stderr);
  const [d] = JSON.parse(status.stdout).profiles;
  assert.match(d.recovered, /died before the outcome was final; .*; secret pw put back/);
  assert.equal(await profileTarget(tb, "h1", ROOT_PROFILE("system")), good);
  assert.equal(await onHost(tb, "h1", "/run/keys/pw"), "deploy root 600 first");
});

Deno.test("secrets: a revoke after another node failed puts the confirmed node's secret back; a confirmed deployment leaves no previous secret in a run directory", async () => {
  await using tb = await Testbed.up(2);
  const values = ["r1", "r2", "r3"].map((v) => `${v}-${crypto.randomUUID()}`);
  const valuesB = ["s1", "s2", "s3"].map((v) => `${v}-${crypto.randomUUID()}`);
  const fleet = (n: number) =>
    fleetFlake(tb, {
      a: {
        hostname: "h1",
        settings: {
          wave: 0,
          secrets: { pw: { keyFile: deployerFile(tb, `a-${n}`, values[n]), permissions: "0440" } },
        },
        profiles: { system: { message: `a-${n}` } },
      },
      // The second wave fails after the first was confirmed: the first is revoked.
      b: {
        hostname: "h2",
        settings: {
          wave: 1,
          secrets: { pw: { keyFile: deployerFile(tb, `b-${n}`, valuesB[n]) } },
        },
        profiles: { system: { message: `b-${n}`, exitCode: n === 1 ? 1 : 0 } },
      },
    });
  const first = await deployFleet(fleet(0), []);
  assert.equal(first.code, 0, first.stderr);
  const r = await deployFleet(fleet(1), []);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /a\.system +revoked +.*secret pw put back.*\(because b\.system failed\)/);
  assert.equal(await onHost(tb, "h1", "/run/keys/pw"), `root root 440 ${values[0]}`);
  assert.equal(await onHost(tb, "h2", "/run/keys/pw"), `root root 600 ${valuesB[0]}`);
  // Confirmed under stop-and-revoke: what the secrets replaced was kept for a revoke while
  // one could come, and is gone from the hosts' run directories once the deployment is over.
  const third = await deployFleet(fleet(2), []);
  assert.equal(third.code, 0, third.stderr);
  assert.equal(await onHost(tb, "h1", "/run/keys/pw"), `root root 440 ${values[2]}`);
  assert.equal(await onHost(tb, "h2", "/run/keys/pw"), `root root 600 ${valuesB[2]}`);
  assert.doesNotMatch(third.stderr, /stays in/);
  for (const [host, before] of [["h1", values], ["h2", valuesB]] as const) {
    for (const v of before.slice(0, 2)) {
      assert.deepEqual(await filesHolding(tb, host, [v], ["/tmp", "/nix/var"]), [], `${host} ${v}`);
    }
  }
});

Deno.test("secrets: a profile whose user is not root cannot give a secret to another owner: it fails before the switch, saying so", async () => {
  await using tb = await Testbed.up(1);
  const fleet = (user: string) =>
    fleetFlake(tb, {
      web: {
        hostname: "h1",
        profiles: {
          app: {
            message: "app",
            settings: {
              user: "alice",
              secrets: {
                pw: { text: "for-alice", destDir: "/home/alice/keys", user, group: user },
              },
            },
          },
        },
      },
    });
  const r = await deployFleet(fleet("root"), []);
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    /\[web\.app\] failed: secret pw: the profile's user \(uid \d+\) cannot give \/home\/alice\/keys\/pw to root:root, another user \(uid 0\): only root can .*; the profile was not switched/,
  );
  assert.equal(await onHost(tb, "h1", "/home/alice/keys/pw"), "absent");
  // Its own: written.
  const own = await deployFleet(fleet("alice"), []);
  assert.equal(own.code, 0, own.stderr);
  assert.equal(await onHost(tb, "h1", "/home/alice/keys/pw"), "alice alice 600 for-alice");
});

Deno.test("secrets: a keyCommand that hangs dies with the deployer when it is interrupted (SIGINT, SIGTERM)", async () => {
  await using tb = await Testbed.up(1);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    // Never ends, writes nothing, and its argv is its own: `sleep 600.<random digits>`.
    const marker = `600.${crypto.getRandomValues(new Uint32Array(1))[0]}`;
    const dir = fleetFlake(tb, {
      db: {
        hostname: "h1",
        settings: { secrets: { pw: { keyCommand: ["sleep", marker] } } },
        profiles: { system: { message: marker } },
      },
    });
    const argv = cliArgv(["-s", "--no-progress", "."]);
    const child = spawn(argv[0], argv.slice(1), { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    let said = "";
    child.stderr!.on("data", (d) => (said += d));
    const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
    const holding = () =>
      processesHolding(marker, () => {}).filter((p) => /cmdline: \S*sleep /.test(p));
    for (let i = 0; i < 1200 && holding().length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(
      holding().length,
      1,
      `the keyCommand ran: ${said} ${processesHolding(marker, () => {}).join("\n")}`,
    );
    child.kill(signal);
    await exited;
    // Given a moment to go: nothing of the run is left behind.
    for (let i = 0; i < 50 && holding().length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(holding(), [], signal);
  }
});

Deno.test("secrets: with interactive sudo and a wrong password, the request line holding the values never reaches sudo as another password attempt", async () => {
  await using tb = await Testbed.up(1);
  const dir = fleetFlake(tb, {
    web: {
      hostname: "h1",
      settings: { sshUser: "alice", interactiveSudo: true },
      profiles: {
        system: {
          message: "wrong-password",
          settings: { user: "root", secrets: { pw: { text: "s3cret" } } },
        },
      },
    },
  });
  const r = await deployFleet(dir, [], {
    env: { DEPLOY_TS_SUDO_PASSWORD: "wrong", LOCAL_KEY: tb.signingKey },
  });
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    /web\.system +FAILED +sudo on alice@\S+ refused the password of alice \(to run as root\); nothing else was sent to it/,
  );
  // sudo says "Sorry, try again." for each line it took as a password: the password's alone.
  assert.ok((r.stderr.match(/Sorry, try again/g) ?? []).length <= 1, r.stderr);
  assert.equal(await onHost(tb, "h1", "/run/keys/pw"), "absent");
});

Deno.test("secrets: deploy secrets while a deployment of the profile holds its lock writes nothing and says who holds it", async () => {
  await using tb = await Testbed.up(1);
  const fleet = (value: string, sleep: number) =>
    fleetFlake(tb, {
      db: {
        hostname: "h1",
        settings: { secrets: { pw: { keyFile: deployerFile(tb, `pw-${value}`, value) } } },
        profiles: { system: { message: `locked-${value}`, sleep } },
      },
    });
  // A slow activation: the worker holds the profile's lock meanwhile.
  const argv = cliArgv(["-s", "--no-progress", "."]);
  const child = spawn(argv[0], argv.slice(1), { cwd: fleet("deployed", 15), stdio: "ignore" });
  const exited = new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
  for (let i = 0; i < 1200; i++) {
    if ((await onHost(tb, "h1", "/run/keys/pw")).endsWith("deployed")) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(await onHost(tb, "h1", "/run/keys/pw"), "root root 600 deployed");
  const r = await deployFleet(fleet("uploaded", 0), ["secrets"]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(
    r.stdout,
    /db\.system: FAILED: the profile is being deployed \(\S+ \(helper pid \d+\) since .*\); nothing was written/,
  );
  assert.equal(await onHost(tb, "h1", "/run/keys/pw"), "root root 600 deployed");
  assert.equal(await exited, 0);
  assert.equal(await onHost(tb, "h1", "/run/keys/pw"), "root root 600 deployed");
});
