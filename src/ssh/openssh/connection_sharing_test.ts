import assert from "node:assert/strict";
import { stripConnectionSharing } from "./connection_sharing.ts";

Deno.test("connection sharing: every spelling of ControlPath/Master/Persist and -S, -M is taken out", () => {
  const r = stripConnectionSharing([
    "-o",
    "ControlPath=/tmp/cm-%r@%h:%p",
    "-oControlMaster=auto",
    "-o",
    "controlpersist 60",
    "-S",
    "/tmp/sock",
    "-S/tmp/other",
    "-M",
    "-p",
    "2222",
  ]);
  assert.deepEqual(r.kept, ["-p", "2222"]);
  assert.deepEqual(r.removed, [
    "-o ControlPath=/tmp/cm-%r@%h:%p",
    "-oControlMaster=auto",
    "-o controlpersist 60",
    "-S /tmp/sock",
    "-S/tmp/other",
    "-M",
  ]);
});

Deno.test("connection sharing: flag clusters keep their other flags", () => {
  assert.deepEqual(stripConnectionSharing(["-4MS", "/tmp/s", "-v"]), {
    kept: ["-4", "-v"],
    removed: ["-M", "-S /tmp/s"],
  });
  assert.deepEqual(stripConnectionSharing(["-Ao", "ControlPath=x"]).kept, ["-A"]);
});

Deno.test("connection sharing: other options stay exactly as written", () => {
  const opts = [
    "-F",
    "/etc/ssh/cfg",
    "-o",
    "ProxyCommand=ssh -W %h:%p -S /x jump",
    "-4A",
    "-p2222",
    "-oUserKnownHostsFile=/k",
  ];
  assert.deepEqual(stripConnectionSharing(opts), { kept: opts, removed: [] });
  // An argument is never read as a flag: "-S" as the value of -l is a user name.
  assert.deepEqual(stripConnectionSharing(["-l", "-S"]).kept, ["-l", "-S"]);
});
