import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { commandResult, execute, type ExecVia } from "./ssh2_exec.ts";

const label = ["ssh2", "root@web", "true"];

Deno.test("ssh2 exec result: the remote status, or 255 with the reason as OpenSSH's client gives it", () => {
  const base = { killed: false, timedOut: false, stdout: "out", stderr: "err\n" };
  assert.deepEqual(commandResult(label, { ...base, code: 3 }), {
    argv: label,
    code: 3,
    signal: null,
    stdout: "out",
    stderr: "err\n",
    timedOut: false,
  });
  const signalled = commandResult(label, { ...base, code: null, remoteSignal: "KILL" });
  assert.equal(signalled.code, 255);
  assert.equal(signalled.stderr, "err\nremote command killed by signal KILL\n");
  const lost = commandResult(label, { ...base, code: null, why: "connection to root@web closed" });
  assert.equal(lost.code, 255);
  assert.equal(lost.stderr, "err\nconnection to root@web closed\n");
  const limit = commandResult(label, { ...base, code: 0, killed: true, timedOut: true });
  assert.deepEqual([limit.code, limit.signal, limit.timedOut], [null, "SIGTERM", true]);
});

/** A stand-in for ssh2's exec channel: what the test emits, and what the command was sent. */
class FakeChannel extends EventEmitter {
  readonly stderr = Object.assign(new EventEmitter(), { setEncoding() {} });
  readonly signals: string[] = [];
  input?: string;
  closed = false;
  setEncoding() {}
  signal(name: string) {
    this.signals.push(name);
  }
  close() {
    this.closed = true;
  }
  end(input?: string) {
    this.input = input;
  }
}

/** A login whose every exec gets `channel`, recording the command line. */
function fakeVia(channel: FakeChannel, commands: string[], lost?: string): ExecVia {
  return {
    lost,
    client: {
      exec: ((command: string, cb: (e: Error | undefined, s: FakeChannel) => void) => {
        commands.push(command);
        queueMicrotask(() => cb(undefined, channel));
      }) as unknown as NonNullable<ExecVia["client"]>["exec"],
    },
  };
}

Deno.test("ssh2 exec: the argv quoted once, stdin sent, output by line, the exit status kept", async () => {
  const channel = new FakeChannel();
  const commands: string[] = [];
  const lines: string[] = [];
  const done = execute(fakeVia(channel, commands), ["echo", "it's"], {
    input: "in",
    onStdoutLine: (l) => lines.push(l),
  }, label);
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(commands, [`echo 'it'\\''s'`]);
  assert.equal(channel.input, "in");
  channel.emit("data", "a\nb");
  channel.stderr.emit("data", "warn\n");
  channel.emit("exit", 0);
  channel.emit("close");
  const r = await done;
  assert.deepEqual([r.code, r.stdout, r.stderr, r.argv], [0, "a\nb", "warn\n", label]);
  assert.deepEqual(lines, ["a", "b"]);
});

Deno.test("ssh2 exec: a channel that closes without a status ends 255, saying the connection went", async () => {
  const channel = new FakeChannel();
  const done = execute(fakeVia(channel, []), ["sleep", "9"], {}, label);
  await new Promise((r) => setTimeout(r, 0));
  channel.emit("close");
  const r = await done;
  assert.equal(r.code, 255);
  assert.equal(r.stderr, "the connection closed before the command ended\n");
});

Deno.test("ssh2 exec: the time limit sends TERM, closes the channel and counts as timed out", async () => {
  const channel = new FakeChannel();
  const done = execute(fakeVia(channel, []), ["sleep", "9"], { timeoutMs: 20 }, label);
  const r = await done;
  assert.deepEqual([r.code, r.signal, r.timedOut], [null, "SIGTERM", true]);
  assert.deepEqual(channel.signals, ["TERM"]);
  assert.ok(channel.closed);
});

Deno.test("ssh2 exec: an abort stops the command like the time limit, but is no timeout", async () => {
  const channel = new FakeChannel();
  const abort = new AbortController();
  const done = execute(fakeVia(channel, []), ["sleep", "9"], { signal: abort.signal }, label);
  await new Promise((r) => setTimeout(r, 0));
  abort.abort();
  const r = await done;
  assert.deepEqual([r.code, r.signal, r.timedOut], [null, "SIGTERM", false]);
  assert.deepEqual(channel.signals, ["TERM"]);
});

Deno.test("ssh2 exec: on a lost link nothing starts and the loss is the reason", async () => {
  const commands: string[] = [];
  const r = await execute(
    fakeVia(new FakeChannel(), commands, "connection to root@web lost: EPIPE"),
    ["true"],
    {},
    label,
  );
  assert.deepEqual(commands, []);
  assert.equal(r.code, 255);
  assert.equal(r.stderr, "connection to root@web lost: EPIPE\n");
  const none = await execute({ client: undefined }, ["true"], {}, label);
  assert.equal(none.stderr, "not connected\n");
});
