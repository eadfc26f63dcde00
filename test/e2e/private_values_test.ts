/**
 * What others must not see, end to end (issue 18, items 4 and 5): the sudo
 * password goes only to a sudo that asks for it, so it reaches no command and
 * no file on a host whose sudo needs none; host health checks (which may hold
 * credentials) travel on stdin, so `ps` on either side never shows them.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { Testbed } from "../support/testbed.ts";
import { cliArgv } from "../support/cli.ts";
import { deployFleet, fleetFlake, profileTarget, ROOT_PROFILE } from "../support/fleet.ts";
import { run } from "../../src/process/run.ts";

for (const transport of ["openssh", "ssh2"] as const) {
  Deno.test(`sudo${transport === "ssh2" ? " (ssh2)" : ""}: interactiveSudo as deploy, whose sudo asks for nothing, ends confirmed and the password reaches no file`, async () => {
    await using tb = await Testbed.up(2);
    const password = `pw-${crypto.randomUUID()}`;
    const dir = fleetFlake(tb, {
      web: {
        hostname: "h1",
        // The testbed's deploy has NOPASSWD sudo: `sudo -S` would read nothing.
        settings: { sshUser: "deploy", interactiveSudo: true, confirmTimeout: 20 },
        profiles: {
          system: { message: "sys", settings: { user: "root" } },
          app: {
            message: "app",
            settings: {
              user: "alice",
              healthChecks: { up: { command: ["true"] } },
              healthTimeout: 20,
            },
          },
        },
      },
      // A root login: sudo asks root for nothing either.
      asRoot: {
        hostname: "h2",
        settings: { sshUser: "root", interactiveSudo: true, confirmTimeout: 20 },
        profiles: { own: { message: "own", settings: { user: "deploy" } } },
      },
    }, { transport });
    const r = await deployFleet(dir, [], {
      env: { DEPLOY_TS_SUDO_PASSWORD: password, LOCAL_KEY: tb.signingKey },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /web\.system +confirmed/);
    assert.match(r.stderr, /web\.app +confirmed/);
    assert.match(r.stderr, /asRoot\.own +confirmed/);
    assert.match(await profileTarget(tb, "h1", ROOT_PROFILE("system")), /-profile-sys$/);
    // The run directories (under tempPath, /tmp), the profiles' state and every home.
    const where = ["/tmp", "/home", "/root", "/nix/var/nix/profiles"];
    for (const [host, runs] of [["h1", 2], ["h2", 1]] as const) {
      const runDirs = await tb.exec(host, ["sh", "-c", "ls -d /tmp/deploy-ts-* | wc -l"]);
      assert.ok(Number(runDirs.stdout.trim()) >= runs, `no run directories: ${runDirs.stdout}`);
      const found = await tb.exec(host, ["grep", "-r", "-l", "-F", "-e", password, ...where]);
      assert.equal(found.stdout, "", `the password is in ${found.stdout} on ${host}`);
    }
    assert.doesNotMatch(r.stderr + r.stdout, new RegExp(password));
  });
}

/** The command lines on this machine that match `pattern`, read from /proc. */
function cmdlines(pattern: RegExp): string[] {
  const out: string[] = [];
  for (const pid of readdirSync("/proc")) {
    if (!/^[0-9]+$/.test(pid)) continue;
    try {
      const line = readFileSync(`/proc/${pid}/cmdline`, "latin1").replaceAll("\0", " ");
      if (pattern.test(line)) out.push(line);
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/**
 * Sample command lines, here and on the host, until `stop`: those that hold
 * the marker, and those that show the sampling ran while the helper did.
 */
function sampler(tb: Testbed, marker: string, stop: () => boolean) {
  const seen = new Set<string>();
  const watch = new RegExp(`${marker}|--health-timeout|sleep 2\\.71828`);
  const here = (async () => {
    while (!stop()) {
      for (const l of cmdlines(watch)) seen.add(l);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  // On the host too, in its own namespaces; `[x]` keeps the sampler from matching itself.
  const hidden = `${marker.slice(0, -1)}[${marker.at(-1)}]`;
  const onHost = tb.exec("h1", [
    "sh",
    "-c",
    `while [ ! -e /tmp/stop-sampling ]; do grep -a -h -e '${hidden}' -e '--health-time[o]ut' ` +
    `-e 'sleep 2[.]71828' /proc/[0-9]*/cmdline 2>/dev/null | tr '\\000' ' '; echo; sleep 0.05; done`,
  ]);
  return {
    async done(): Promise<string[]> {
      await tb.exec("h1", ["touch", "/tmp/stop-sampling"]);
      await here;
      for (const l of (await onHost).stdout.split("\n")) if (l.trim()) seen.add(l.trim());
      await tb.exec("h1", ["rm", "-f", "/tmp/stop-sampling"]);
      return [...seen];
    },
  };
}

Deno.test("health checks: a marker in a host check's definition is on no helper's or ssh's command line", async () => {
  await using tb = await Testbed.up(1);
  const marker = `argv-marker-${crypto.randomUUID().slice(0, 8)}`;
  // The check `exec`s sleep, so while it runs no process of its own holds the marker either.
  const check = { slow: { command: ["/bin/sh", "-c", `exec sleep 2.71828 # ${marker}`] } };
  const dir = fleetFlake(tb, {
    web: {
      hostname: "h1",
      settings: { healthChecks: check, healthTimeout: 30, confirmTimeout: 20 },
      profiles: { system: { message: "sys" } },
    },
  });
  let finished = false;
  const sampling = sampler(tb, marker, () => finished);
  const r = await deployFleet(dir, []);
  const c = await run(cliArgv(["check", "--no-progress", "."]), { cwd: dir });
  finished = true;
  const seen = await sampling.done();
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /web\.system +confirmed/);
  assert.equal(c.code, 0, c.stderr + c.stdout);
  // The sampling saw the helper, the ssh carrying it and the check running…
  assert.ok(seen.some((l) => /bin\/deploy activate /.test(l)), seen.join("\n"));
  assert.ok(seen.some((l) => /^\S*\bssh .*activate /.test(l)), seen.join("\n"));
  assert.ok(seen.some((l) => /bin\/deploy check-health /.test(l)), seen.join("\n"));
  assert.ok(seen.some((l) => /^sleep 2\.71828/.test(l)), seen.join("\n"));
  // …and the marker on none of them. The check's own shell holds it on its
  // argv (its definition) for the instant before it execs sleep.
  const ownShell = `/bin/sh -c exec sleep 2.71828 # ${marker}`;
  assert.deepEqual(seen.filter((l) => l.includes(marker) && l.trim() !== ownShell), []);
});
