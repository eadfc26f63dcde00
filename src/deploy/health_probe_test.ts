import assert from "node:assert/strict";
import { runDeployerCheck } from "./health_probe.ts";

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
