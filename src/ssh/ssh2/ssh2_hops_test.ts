import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import type { Client } from "ssh2";
import { forwardOut, tcp } from "./ssh2_hops.ts";

function listening(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
  });
}

Deno.test("ssh2 hops: a TCP connection opens to the host and port", async () => {
  const server = createServer((s) => s.end());
  const port = await listening(server);
  const sock = await tcp({ hostname: "127.0.0.1", port, family: 0, connectTimeout: 2 });
  assert.equal(sock.remotePort, port);
  sock.destroy();
  await new Promise((resolve) => server.close(resolve));
});

Deno.test("ssh2 hops: a refused TCP connection names the host and port", async () => {
  const server = createServer();
  const port = await listening(server);
  await new Promise((resolve) => server.close(resolve));
  await assert.rejects(
    tcp({ hostname: "127.0.0.1", port, family: 4, connectTimeout: 2 }),
    (e: Error) => e.message.startsWith(`connect to 127.0.0.1 port ${port}: `),
  );
});

Deno.test("ssh2 hops: a jump host that cannot reach the next one says which host and port", async () => {
  const via = {
    forwardOut: (
      _srcIP: string,
      _srcPort: number,
      _dstIP: string,
      _dstPort: number,
      cb: (err: Error | undefined) => void,
    ) => cb(new Error("Connection refused")),
  } as unknown as Pick<Client, "forwardOut">;
  await assert.rejects(
    forwardOut(via, { hostname: "h2", port: 2222 }),
    /^Error: the jump host cannot reach h2 port 2222: Connection refused$/,
  );
});
