import assert from "node:assert/strict";
import { fallbackNote, transferCell, transferLine } from "./transfer_format.ts";
import { renderFrame } from "./progress_frame.ts";
import { progressView } from "./progress_view.ts";
import { plainReporter } from "./plain_reporter.ts";

const fetched = {
  type: "transfer" as const,
  node: "web",
  cache: "https://c.example",
  fromCache: { paths: 12, bytes: 3 * 1024 * 1024 },
  overSsh: { paths: 0, bytes: 0 },
};
const fell = {
  ...fetched,
  node: "db",
  fromCache: { paths: 0, bytes: 0 },
  overSsh: { paths: 1, bytes: 100 },
  fellBack: "1 of 1 paths did not come from https://c.example",
};

Deno.test("transfer: a line per node, with bytes and why it fell back", () => {
  assert.equal(
    transferLine(fetched),
    "copied: 12 paths (3.0 MiB) from https://c.example, 0 paths (0 B) over SSH",
  );
  assert.match(transferLine(fell), /1 path \(100 B\) over SSH; fell back to SSH: 1 of 1 paths/);
});

Deno.test("transfer: the summary names the nodes that fell back, and only them", () => {
  assert.equal(fallbackNote([fetched]), "");
  assert.equal(
    fallbackNote([fetched, fell]),
    "1 node fell back to SSH from the binary cache:\n  db: 1 of 1 paths did not come from https://c.example\n",
  );
});

Deno.test("transfer: the live view shows it on the node's row", () => {
  const lines = renderFrame(
    {
      rows: [{
        node: "web",
        profile: "system",
        phase: "activating",
        last: "",
        tail: [],
        via: transferCell(fetched),
      }],
      global: "",
      startedAt: 0,
    },
    1000,
    { width: 120, lines: 10 },
    false,
  );
  assert.match(lines.find((l) => l.includes("web.system"))!, /\[cache 12 · ssh 0 paths\]/);
});

Deno.test("transfer: the live view's row and summary, and the plain lines, from the events", () => {
  let redraw = () => {};
  let live = "";
  const view = progressView((s) => (live += s), {
    width: () => 200,
    height: () => 50,
    color: false,
    intervalMs: 1e6,
    onResize: (f) => ((redraw = f), () => {}),
  });
  let plain = "";
  const lines = plainReporter((s) => (plain += s));
  const t = "2026-12-07T00:00:00.000Z";
  const summary = {
    type: "summary" as const,
    time: t,
    ok: true,
    profiles: [{
      node: "db",
      profile: "system",
      status: "confirmed" as const,
      ok: true,
      message: "",
    }],
  };
  for (const report of [view, lines]) {
    report({ type: "phase", time: t, node: "db", profile: "system", phase: "copying" });
    report({ ...fell, time: t });
    redraw();
    report(summary);
  }
  assert.match(live, /db\.system +copying .*\[cache 0 · ssh 1 paths \(fell back\)\]/);
  assert.match(live, /1 node fell back to SSH from the binary cache:\n {2}db: 1 of 1 paths/);
  assert.match(plain, /\[db\] copied: 0 paths \(0 B\) from https:\/\/c\.example, 1 path/);
  assert.match(plain, /1 node fell back to SSH from the binary cache:\n {2}db: /);
});
