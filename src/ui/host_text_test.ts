import assert from "node:assert/strict";
import { showEscaped } from "./host_text.ts";
import { plainReporter } from "./plain_reporter.ts";
import { progressView } from "./progress_view.ts";
import { logDirReporter } from "./log_dir.ts";
import { formatSummary } from "./summary.ts";
import type { DeployEvent } from "../shared/events.ts";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** What a hostile host prints: a title change, a screen clear, a bell, a hidden-text trick. */
const HOSTILE = "ok\x1b]0;pwned\x07\x1b[2J\r\x9b1mfake \u202eevil\x7f";
const SHOWN = "ok\\x1b]0;pwned\\x07\\x1b[2J\\r\\x9b1mfake \\u202eevil\\x7f";

/** Anything that could steer a terminal: C0 but newline and tab, DEL, C1, bidi controls. */
// deno-lint-ignore no-control-regex
const STEERING = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

const time = "2030-01-01T00:00:00.000Z";
const events: DeployEvent[] = [
  { type: "phase", time, node: "web", profile: "system", phase: "activating" },
  { type: "log", time, node: "web", profile: "system", source: "host", line: HOSTILE },
  { type: "phase", time, node: "web", profile: "system", phase: "failed", message: HOSTILE },
  {
    type: "summary",
    time,
    ok: false,
    profiles: [{ node: "web", profile: "system", status: "failed", ok: false, message: HOSTILE }],
  },
];

Deno.test("host text: control characters and escape sequences are shown escaped", () => {
  assert.equal(showEscaped(HOSTILE), SHOWN);
  assert.equal(showEscaped("two\nlines\twith tab, ünïcode"), "two\nlines\twith tab, ünïcode");
});

Deno.test("host text: plain lines and the summary show it escaped", () => {
  let out = "";
  const report = plainReporter((s) => (out += s));
  for (const e of events) report(e);
  assert.doesNotMatch(out, STEERING);
  assert.match(out, /\[web\.system\] ok\\x1b\]0;pwned/);
  assert.doesNotMatch(
    formatSummary(events[3].type === "summary" ? events[3].profiles : []),
    STEERING,
  );
});

Deno.test("host text: the live view draws only its own escape sequences", () => {
  let out = "";
  let frame = () => {};
  const report = progressView((s) => (out += s), {
    width: () => 300,
    height: () => 50,
    color: false,
    intervalMs: 1e6,
    onResize: (redraw) => ((frame = redraw), () => {}),
  });
  for (const e of events) {
    // A frame with the failed row before the summary takes its place.
    if (e.type === "summary") frame();
    report(e);
  }
  assert.match(out, /web\.system +failed +\S+ +ok\\x1b/, "the row shows the host's text escaped");
  // The view's own: cursor up and erase to the end of the screen only.
  // deno-lint-ignore no-control-regex
  const own = out.replace(/\x1b\[\d*F|\x1b\[J/g, "");
  assert.doesNotMatch(own, STEERING);
  assert.ok(own.includes(SHOWN), own);
});

Deno.test("host text: log files show it escaped", () => {
  const dir = mkdtempSync(join(tmpdir(), "deploy-ts-logdir-"));
  const report = logDirReporter(dir);
  for (const e of events) report(e);
  const log = readFileSync(join(dir, "web.system.log"), "utf8");
  assert.doesNotMatch(log, STEERING);
  assert.ok(log.includes(SHOWN));
  Deno.removeSync(dir, { recursive: true });
});
