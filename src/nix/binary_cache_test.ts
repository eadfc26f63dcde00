import assert from "node:assert/strict";
import { run } from "../process/run.ts";
import { shellQuoteArgv } from "../shared/shell_quote.ts";
import {
  FETCH_LIMIT_SECONDS,
  hostFetchArgv,
  invalidPathsArgvs,
  narHashArgvs,
  parseNarHashes,
  trustedPathsArgvs,
} from "./binary_cache.ts";

Deno.test("binary cache: the host's fetch adds the cache for this command only, bounded, checks kept", () => {
  const argv = hostFetchArgv("https://cache.example", ["/nix/store/a", "/nix/store/b"]);
  assert.deepEqual(argv.slice(0, 6), [
    "timeout",
    "-k",
    "5",
    String(FETCH_LIMIT_SECONDS),
    "nix-store",
    "--realise",
  ]);
  const options = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--option") options.set(argv[i + 1], argv[i + 2]);
  }
  assert.equal(options.get("extra-substituters"), "https://cache.example");
  assert.equal(options.get("narinfo-cache-negative-ttl"), "0");
  assert.ok(options.has("connect-timeout"));
  // Never a way around the host's own trust: no substituters replaced, no signatures skipped.
  for (const name of ["substituters", "require-sigs", "trusted-public-keys"]) {
    assert.ok(!options.has(name), name);
  }
  assert.ok(!argv.includes("--no-check-sigs"));
  assert.deepEqual(argv.slice(-2), ["/nix/store/a", "/nix/store/b"]);
});

Deno.test("binary cache: the host's validity check is split so no command outgrows one argument", () => {
  const paths = Array.from({ length: 10 }, (_, i) => `/nix/store/${String(i).padStart(8, "x")}`);
  const argvs = invalidPathsArgvs(paths, 60);
  assert.ok(argvs.length > 1);
  assert.deepEqual(argvs.flatMap((a) => a.slice(3)), paths);
  for (const a of argvs) {
    assert.deepEqual(a.slice(0, 3), ["nix-store", "--check-validity", "--print-invalid"]);
    assert.ok(a.slice(3).join(" ").length <= 60 || a.length === 4);
  }
  assert.deepEqual(invalidPathsArgvs([]), []);
  assert.equal(invalidPathsArgvs(paths).length, 1);
});

Deno.test("binary cache: NAR hashes are asked per path, split like the validity check, and read strictly", () => {
  const paths = ["/nix/store/a-x", "/nix/store/b-y"];
  assert.deepEqual(narHashArgvs(paths), [["nix-store", "--query", "--hash", ...paths]]);
  assert.equal(narHashArgvs(paths, 16).length, 2);
  const out = "sha256:0abc\nsha256:1def\n";
  assert.deepEqual(
    [...parseNarHashes(paths, out)],
    [["/nix/store/a-x", "sha256:0abc"], ["/nix/store/b-y", "sha256:1def"]],
  );
  assert.throws(() => parseNarHashes(paths, "sha256:0abc\n"), /expected 2 NAR hashes/);
  // Trust by the host's own rules; the contents need no rehashing (their hashes were compared).
  const [verify] = trustedPathsArgvs(paths);
  assert.deepEqual(verify.slice(-5), ["store", "verify", "--no-contents", ...paths]);
  assert.ok(!verify.includes("--no-trust") && !verify.includes("--sigs-needed"));
  assert.throws(() => parseNarHashes(paths, "warning: x\nsha256:1def\n"), /expected 2/);
});

Deno.test("binary cache: a URL with shell syntax reaches the host's Nix as one word (the remote shell's quoting)", async () => {
  const url = `https://c.example/$(touch /tmp/x)'";x=\`id\`&priority=1|cat>y`;
  const argv = hostFetchArgv(url, ["/nix/store/a"]);
  // What OpenSSH and ssh2 hand to the login shell: one string, read back word by word.
  const r = await run(["/bin/sh", "-c", `printf '%s\\n' ${shellQuoteArgv(argv)}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.split("\n").slice(0, -1), argv);
});
