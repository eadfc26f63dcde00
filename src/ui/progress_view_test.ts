import assert from "node:assert/strict";
import { progressView, type ProgressViewOptions } from "./progress_view.ts";
import { whilePrompting } from "./terminal_prompts.ts";

/** A wide, tall terminal whose "resize" draws a frame when the test says. */
function terminal(intervalMs = 1e6): ProgressViewOptions & { frame: () => void } {
  let redraw = () => {};
  return {
    width: () => 200,
    height: () => 50,
    color: false,
    intervalMs,
    onResize: (f) => {
      redraw = f;
      return () => {};
    },
    frame: () => redraw(),
  };
}

Deno.test("progress view: a clock step does not change the elapsed times", () => {
  let out = "";
  const tty = terminal();
  const report = progressView((s) => (out += s), tty);
  const realNow = Date.now;
  try {
    const at = (t: number) => new Date(t).toISOString();
    report({
      type: "phase",
      time: at(realNow()),
      node: "web",
      profile: "system",
      phase: "activating",
    });
    // The wall clock jumps an hour ahead (NTP, a VM resumed) while activating.
    const stepped = realNow() + 3_600_000;
    Date.now = () => stepped;
    report({ type: "phase", time: at(stepped), node: "web", profile: "system", phase: "done" });
    tty.frame();
    report({
      type: "summary",
      time: at(stepped),
      ok: true,
      profiles: [{ node: "web", profile: "system", status: "confirmed", ok: true, message: "" }],
    });
  } finally {
    Date.now = realNow;
  }
  assert.match(out, /deploy-ts 0:0\d /);
  assert.match(out, /web\.system +done +0:0\d/);
});

Deno.test("progress view: a row per node and profile, even when a node's name has a dot", () => {
  let out = "";
  const tty = terminal();
  const report = progressView((s) => (out += s), tty);
  const time = new Date().toISOString();
  const where = [
    { node: "web.eu", profile: "system" },
    { node: "web", profile: "system" },
    // Written the same way as web.eu's system, and still another profile.
    { node: "web", profile: "eu.system" },
  ];
  for (const w of where) report({ type: "phase", time, ...w, phase: "queued" });
  report({ type: "log", time, node: "web", source: "nix", line: "copying to web" });
  report({ type: "log", time, node: "web.eu", source: "nix", line: "copying to web.eu" });
  report({ type: "phase", time, ...where[2], phase: "failed", message: "eu.system broke" });
  tty.frame();
  const lastFrame = out;
  report({
    type: "summary",
    time,
    ok: false,
    profiles: where.map((w, i) => ({
      ...w,
      status: i === 2 ? "failed" : "confirmed",
      ok: i !== 2,
      message: i === 2 ? "eu.system broke" : "",
    })),
  });
  // The last frame drawn, before the summary: the view's own escapes taken out.
  // deno-lint-ignore no-control-regex
  const frame = lastFrame.replace(/\x1b\[\d*F|\x1b\[J/g, "").trimEnd().split("\n");
  assert.match(frame[0], /^deploy-ts \d+:\d\d {2}2 nodes, 3 profiles: /);
  const rows = frame.slice(1);
  assert.deepEqual(rows.map((l) => l.replace(/ +/g, " ").trim()), [
    "web.eu.system queued copying to web.eu",
    "web.system queued copying to web",
    "web.eu.system failed 0:00 eu.system broke",
  ]);
  // The failing profile's log is its own node's: web's copy, not web.eu's.
  assert.match(out, /web\.eu\.system: eu\.system broke\n {2}\| copying to web\n/);
});

Deno.test("progress view: holds back while a prompt waits, then starts a new frame below it", async () => {
  let out = "";
  const report = progressView((s) => (out += s), terminal(5));
  const time = new Date().toISOString();
  report({ type: "phase", time, node: "web", profile: "system", phase: "connecting" });
  const tick = () => new Promise((r) => setTimeout(r, 30));
  await tick();
  assert.match(out, /web\.system +connecting/);
  let duringPrompt = "";
  await whilePrompting(async () => {
    out = "";
    await tick();
    duringPrompt = out;
    out = "Enter passphrase for key 'id': \n";
  });
  assert.equal(duringPrompt, "", "nothing is drawn over a waiting prompt");
  await tick();
  report({
    type: "summary",
    time,
    ok: true,
    profiles: [{ node: "web", profile: "system", status: "confirmed", ok: true, message: "" }],
  });
  // The first frame after the prompt does not move up over it.
  const after = out.slice(out.indexOf("\n") + 1);
  // deno-lint-ignore no-control-regex
  assert.doesNotMatch(after.split("deploy-ts")[0], /\x1b\[\d+F/);
});

Deno.test("progress view: the build's latest line shows while it runs, and goes when it ends", () => {
  let out = "";
  const tty = terminal();
  const report = progressView((s) => (out += s), tty);
  const time = new Date().toISOString();
  const at = { node: "web", profile: "system" };
  report({ type: "phase", time, ...at, phase: "queued" });
  report({ type: "phase", time, ...at, phase: "building" });
  report({ type: "log", time, source: "nix", line: "building '/nix/store/x-web.drv'..." });
  tty.frame();
  assert.match(out, /\n {2}building '\/nix\/store\/x-web\.drv'\.\.\.\n/);
  // Built, held back for a --jobs slot: the build's line is no news.
  report({
    type: "phase",
    time,
    ...at,
    phase: "waiting",
    message: "for a --jobs slot (1 at once)",
  });
  out = "";
  tty.frame();
  assert.doesNotMatch(out, /x-web\.drv/);
  assert.match(
    out,
    /0 done, 0 running, 0 failed\n {2}web\.system +waiting +0:00 +for a --jobs slot/,
  );
});
