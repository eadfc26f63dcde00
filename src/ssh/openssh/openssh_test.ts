import assert from "node:assert/strict";
import { hostKeyProblem, sshArgv } from "./openssh.ts";
import { shellSplit } from "../../shared/shell_quote.ts";
import { changedKeyAdvice, NEVER_ACCEPTS } from "../host_key_advice.ts";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../process/run.ts";
import process from "node:process";

const host = { sshUser: "deploy", hostname: "web.example.com", sshOpts: ["-p", "2222"] };

Deno.test("ssh argv: user options first, then defaults, the control path, destination, quoted command", () => {
  const argv = sshArgv(host, "/run/s", ["/nix/store/x/bin/deploy", "activate", "it's"]);
  assert.deepEqual(argv, [
    "ssh",
    "-p",
    "2222",
    "-o",
    "ConnectTimeout=10",
    "-o",
    "ServerAliveInterval=5",
    "-o",
    "ServerAliveCountMax=3",
    "-o",
    "ForwardAgent=no",
    "-o",
    "ControlPath=/run/s",
    "--",
    "deploy@web.example.com",
    `/nix/store/x/bin/deploy activate 'it'\\''s'`,
  ]);
  // The remote shell gets back exactly the argv.
  assert.deepEqual(shellSplit(argv.at(-1)!), ["/nix/store/x/bin/deploy", "activate", "it's"]);
});

Deno.test("ssh argv: a timeout the user set is not overridden", () => {
  const argv = sshArgv(
    { ...host, sshOpts: ["-o", "ConnectTimeout=3", "-oServerAliveInterval=1"] },
    "none",
    [],
  );
  assert.equal(argv.filter((a) => a.startsWith("ConnectTimeout")).length, 1);
  assert.ok(argv.includes("ConnectTimeout=3"));
  assert.ok(!argv.includes("ServerAliveInterval=5"));
  assert.ok(argv.includes("ServerAliveCountMax=3"));
});

Deno.test("ssh argv: options with spaces stay one word", () => {
  const argv = sshArgv({ ...host, sshOpts: ["-o", "ProxyCommand=ssh -W %h:%p jump"] }, "none", [
    "true",
  ]);
  assert.ok(argv.includes("ProxyCommand=ssh -W %h:%p jump"));
});

Deno.test("ssh host keys: unknown and changed keys are explained, naming the host", () => {
  const o = { sshUser: "root", hostname: "web" };
  const unknown = hostKeyProblem(
    o,
    "No ED25519 host key is known for web and you have requested strict checking.\r\nHost key verification failed.\r\n",
  );
  assert.match(unknown!, /^the host key of web is not known: .*ssh-keyscan web/);
  const changed = hostKeyProblem(
    o,
    "Host key for web has changed and you have requested strict checking.\nHost key verification failed.\n",
  );
  assert.match(changed!, /^the host key of web has changed .*ssh-keygen -R web/);
  // The same advice, in the same words, as the built-in transport gives.
  assert.ok(changed!.includes(`: ${changedKeyAdvice("web")} (log in once with \`ssh root@web\`)`));
  assert.ok(unknown!.endsWith(`; ${NEVER_ACCEPTS}`) && changed!.endsWith(`; ${NEVER_ACCEPTS}`));
  assert.equal(
    hostKeyProblem(o, "ssh: connect to host web port 22: Connection refused"),
    undefined,
  );
});

Deno.test("ssh argv: a ForwardAgent yes of ssh_config does not reach the host (ssh -G says no)", async () => {
  const config = join(mkdtempSync(join(tmpdir(), "deploy-ts-openssh-test-")), "config");
  writeFileSync(config, "Host *\n  ForwardAgent yes\n");
  const argv = sshArgv({ ...host, sshOpts: ["-F", config] }, "none", []);
  const r = await run(["ssh", "-G", ...argv.slice(1)]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^forwardagent no$/m);
  // Without deploy-ts's option, the same config forwards the agent: the test can fail.
  const plain = await run(["ssh", "-G", "-F", config, "--", "deploy@web.example.com"]);
  assert.match(plain.stdout, /^forwardagent yes$/m);
});

Deno.test("OpenSshTransport.close: returns once the master has exited, not when it was asked to", async () => {
  // A stand-in `ssh`: the "master" is a background sleep, which `-O exit` ends a moment later.
  const dir = mkdtempSync(join(tmpdir(), "fake-ssh-"));
  writeFileSync(
    join(dir, "ssh"),
    `#!/bin/sh
case "$*" in
  *" -G "*) echo "stricthostkeychecking yes" ;;
  *ControlMaster=yes*) sleep 300 >/dev/null 2>&1 & echo $! > ${dir}/pid ;;
  *"-O check"*) echo "Master running (pid=$(cat ${dir}/pid))" >&2 ;;
  *"-O exit"*) (sleep 0.5; kill $(cat ${dir}/pid)) >/dev/null 2>&1 & echo "Exit request sent." >&2 ;;
esac
`,
    { mode: 0o755 },
  );
  const path = Deno.env.get("PATH")!;
  Deno.env.set("PATH", `${dir}:${path}`);
  try {
    const { OpenSshTransport } = await import("./openssh.ts");
    const t = new OpenSshTransport({ ...host, sshOpts: [], context: {} });
    await t.open();
    const pid = Number(Deno.readTextFileSync(join(dir, "pid")));
    await t.close();
    assert.throws(() => process.kill(pid, 0), "the master is gone when close returns");
  } finally {
    Deno.env.set("PATH", path);
  }
});
