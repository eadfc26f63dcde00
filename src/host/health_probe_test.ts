import assert from "node:assert/strict";
import { BODY_LIMIT_BYTES, runDeployerCheck } from "./health_probe.ts";

Deno.test("health probe: http passes on the expected status only, tcp on a connection", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (req) => new Response("body", { status: new URL(req.url).pathname === "/ok" ? 200 : 503 }),
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  try {
    const ok = await runDeployerCheck("h", { http: `${base}/ok` }, 5000);
    assert.deepEqual(ok, { name: "h", kind: "http", ok: true, output: "HTTP 200: body" });
    const down = await runDeployerCheck("h", { http: `${base}/down` }, 5000);
    assert.equal(down.ok, false);
    assert.equal(down.output, "HTTP 503 (expected 200): body");
    const expected = await runDeployerCheck("h", { http: `${base}/down`, expectStatus: 503 }, 5000);
    assert.equal(expected.ok, true);
    const tcp = await runDeployerCheck("t", { tcp: `127.0.0.1:${server.addr.port}` }, 5000);
    assert.equal(tcp.ok, true);
  } finally {
    await server.shutdown();
  }
  // The server is gone: nothing listens there any more.
  const refused = await runDeployerCheck("t", { tcp: `127.0.0.1:${server.addr.port}` }, 5000);
  assert.equal(refused.ok, false);
  assert.match(refused.output, /ECONNREFUSED|refused/i);
});

Deno.test("health probe: an endpoint that streams forever is read only up to a limit, then cancelled", async () => {
  let sent = 0;
  let cancelled!: () => void;
  const gone = new Promise<void>((r) => cancelled = r);
  const chunk = new Uint8Array(64 * 1024).fill(0x61);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(c) {
            // "Forever" for the probe; the end only keeps a probe that reads
            // it all (the fault) from filling this test's memory.
            if (sent >= 128 * 1024 * 1024) return c.close();
            sent += chunk.length;
            c.enqueue(chunk);
          },
          cancel() {
            cancelled();
          },
        }),
      ),
  );
  try {
    // A generous timeout: reading to the end (there is none) would use it all and fail.
    const r = await runDeployerCheck(
      "s",
      { http: `http://127.0.0.1:${server.addr.port}/` },
      60_000,
    );
    assert.equal(r.ok, true, r.output);
    assert.match(r.output, /^HTTP 200: \.\.\.a+ \(body not read to its end\)$/);
    await gone; // the server saw the body cancelled: it stops sending
    assert.ok(sent < 64 * 1024 * 1024, `${sent} bytes sent`);
    assert.ok(BODY_LIMIT_BYTES <= 64 * 1024);
  } finally {
    await server.shutdown();
  }
});

Deno.test("health probe: a body that never ends nor sends is bounded by the check's timeout", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(new TextEncoder().encode("partial"));
          },
        }),
      ),
  );
  try {
    const r = await runDeployerCheck("s", { http: `http://127.0.0.1:${server.addr.port}/` }, 1500);
    assert.equal(r.ok, true, r.output);
    assert.equal(r.output, "HTTP 200: partial (body not read to its end)");
  } finally {
    await server.shutdown();
  }
});
