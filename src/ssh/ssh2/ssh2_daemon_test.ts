import assert from "node:assert/strict";
import { existsSync, statSync } from "node:fs";
import { connect } from "node:net";
import { dirname } from "node:path";
import { PassThrough } from "node:stream";
import type { Client } from "ssh2";
import { DeployError } from "../../shared/errors.ts";
import { DAEMON_SOCKET, DaemonForward, type DaemonVia, probeDaemon } from "./ssh2_daemon.ts";

type ForwardLocal = Client["openssh_forwardOutStreamLocal"];

/** A login whose forwarded streams echo what they get, recording the socket paths asked for. */
function echoingLogin(paths: string[]): Pick<Client, "openssh_forwardOutStreamLocal"> {
  const forward = (path: string, cb: (err: Error | undefined, s: unknown) => void) => {
    paths.push(path);
    const echo = Object.assign(new PassThrough(), { close: () => echo.destroy() });
    cb(undefined, echo);
  };
  return { openssh_forwardOutStreamLocal: forward as unknown as ForwardLocal };
}

function refusingLogin(message: string): Pick<Client, "openssh_forwardOutStreamLocal"> {
  const forward = (_path: string, cb: (err: Error) => void) => cb(new Error(message));
  return { openssh_forwardOutStreamLocal: forward as unknown as ForwardLocal };
}

/** What the local socket answers to `text`. */
function roundTrip(path: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    let got = "";
    sock.on("error", reject);
    sock.on("data", (d) => {
      got += d;
      if (got.length >= text.length) sock.end();
    });
    sock.on("close", () => resolve(got));
    sock.on("connect", () => sock.write(text));
  });
}

Deno.test("ssh2 daemon: no reachable daemon socket refuses the host, saying to use OpenSSH", async () => {
  await assert.rejects(
    probeDaemon(refusingLogin("open failed"), "root@web", { node: "web" }),
    (e: unknown) =>
      e instanceof DeployError && e.context.node === "web" &&
      e.message === `root@web has no nix-daemon at ${DAEMON_SOCKET} that the built-in SSH ` +
          "transport can reach (open failed); it copies through the daemon only: " +
          "use --transport openssh for this host",
  );
  const paths: string[] = [];
  await probeDaemon(echoingLogin(paths), "root@web", { node: "web" });
  assert.deepEqual(paths, [DAEMON_SOCKET]);
});

Deno.test("ssh2 daemon: each local connection is piped to the host's daemon socket; close removes the private directory", async () => {
  const paths: string[] = [];
  const via: DaemonVia = { client: echoingLogin(paths) };
  const forward = await DaemonForward.listen(() => via);
  assert.equal(statSync(dirname(forward.path)).mode & 0o077, 0, "only this user can enter");
  assert.equal(await roundTrip(forward.path, "nix-archive-1"), "nix-archive-1");
  assert.equal(await roundTrip(forward.path, "again"), "again");
  assert.deepEqual(paths, [DAEMON_SOCKET, DAEMON_SOCKET]);
  await forward.close();
  assert.ok(!existsSync(dirname(forward.path)));
});

/** Whether the local socket closes a connection before it is sent anything (what it got, if not). */
function closedUnasked(path: string): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect(path);
    let got = "";
    sock.on("error", () => {});
    sock.on("data", (d) => got += d);
    sock.on("close", () => resolve(got));
  });
}

Deno.test("ssh2 daemon: over a lost login a local connection is closed at once", async () => {
  const paths: string[] = [];
  const via: DaemonVia = { client: echoingLogin(paths), lost: "connection to root@web closed" };
  const forward = await DaemonForward.listen(() => via);
  assert.equal(await closedUnasked(forward.path), "");
  assert.deepEqual(paths, []);
  await forward.close();
});
