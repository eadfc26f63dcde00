import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import type { Client } from "ssh2";
import { Link } from "./ssh2_link.ts";

/** A stand-in for an ssh2 Client that records how it was closed. */
function fakeClient(name: string, log: string[]): Client {
  const c = new EventEmitter() as EventEmitter & { end(): void; destroy(): void };
  c.end = () => log.push(`end ${name}`);
  c.destroy = () => log.push(`destroy ${name}`);
  return c as unknown as Client;
}

Deno.test("ssh2 link: the destination is the innermost login; close ends it first, then each hop outwards", () => {
  const log: string[] = [];
  const link = new Link();
  const hop = fakeClient("hop", log);
  const dest = fakeClient("dest", log);
  link.clients.push(hop, dest);
  assert.equal(link.client, dest);
  link.close();
  assert.deepEqual(log, ["end dest", "destroy dest", "end hop", "destroy hop"]);
  assert.equal(link.clients.length, 0);
  link.close(); // closing twice closes nothing twice
  assert.equal(log.length, 4);
});

Deno.test("ssh2 link: the first error or close of the destination's connection is why it is lost", () => {
  const link = new Link();
  const dest = fakeClient("dest", []);
  link.clients.push(dest);
  link.watchForLoss("root@web");
  assert.equal(link.lost, undefined);
  (dest as unknown as EventEmitter).emit("error", new Error("read ECONNRESET"));
  (dest as unknown as EventEmitter).emit("close");
  assert.equal(link.lost, "connection to root@web lost: read ECONNRESET");

  const closed = new Link();
  const c = fakeClient("dest", []);
  closed.clients.push(c);
  closed.watchForLoss("root@web");
  (c as unknown as EventEmitter).emit("close");
  assert.equal(closed.lost, "connection to root@web closed");
});
