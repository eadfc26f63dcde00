import assert from "node:assert/strict";
import { diffClosures, parseStorePath } from "./diff.ts";
import { parsePathInfo } from "../nix/closure.ts";

const H = "0123456789abcdfghijklmnpqrsvwxyz";

Deno.test("store path names split into name and version like parseDrvName", () => {
  assert.deepEqual(parseStorePath(`/nix/store/${H}-hello-2.12.1`), {
    name: "hello",
    version: "2.12.1",
  });
  assert.deepEqual(parseStorePath(`/nix/store/${H}-python3.11-requests-2.31`), {
    name: "python3.11-requests",
    version: "2.31",
  });
  assert.deepEqual(parseStorePath(`/nix/store/${H}-system-web`), {
    name: "system-web",
    version: "",
  });
  assert.deepEqual(parseStorePath(`/nix/store/${H}-openssl-3.0.1-bin`), {
    name: "openssl",
    version: "3.0.1-bin",
  });
});

Deno.test("closure diff: added, removed, changed in version, rebuilt, and sizes", () => {
  const before = new Map([
    [`/nix/store/${H}-openssl-3.0.1`, 1000],
    [`/nix/store/${H}-figlet-2.2.5`, 200],
    [`/nix/store/${H}-glibc-2.38`, 5000],
  ]);
  const after = new Map([
    [`/nix/store/${H}-openssl-3.0.2`, 1100],
    [`/nix/store/${H}-hello-2.12`, 300],
    [`/nix/store/${H}-glibc-2.38`, 5000],
  ]);
  const d = diffClosures(before, after);
  const rebuilt = diffClosures(
    new Map([[`/nix/store/${H}-app`, 1]]),
    new Map([[`/nix/store/${H.replace("0", "9")}-app`, 1]]),
  );
  assert.deepEqual(rebuilt.rebuilt, [{ name: "app", version: "" }]);
  assert.deepEqual(d.added, [{ name: "hello", version: "2.12" }]);
  assert.deepEqual(d.removed, [{ name: "figlet", version: "2.2.5" }]);
  assert.deepEqual(d.changed, [{ name: "openssl", from: "3.0.1", to: "3.0.2" }]);
  assert.deepEqual(d.rebuilt, [], "glibc is the same path: not listed");
  assert.deepEqual([d.sizeBefore, d.sizeAfter], [6200, 6400]);
});

Deno.test("path-info JSON of old (a list) and new (an object) Nix", () => {
  const p = `/nix/store/${H}-a`;
  assert.deepEqual(parsePathInfo([{ path: p, narSize: 10 }]), new Map([[p, 10]]));
  assert.deepEqual(
    parsePathInfo({ [p]: { narSize: 10 }, "/nix/store/x-missing": null }),
    new Map([[p, 10]]),
  );
});
