import assert from "node:assert/strict";
import { patternListMatches, wildcardMatches } from "./host_patterns.ts";

Deno.test("host patterns: `?` is exactly one character, `*` any run", () => {
  assert.ok(wildcardMatches("db?", "db1"));
  assert.ok(!wildcardMatches("db?", "db"));
  assert.ok(!wildcardMatches("db?", "db12"));
  assert.ok(wildcardMatches("*.example.com", "web.example.com"));
  // A dot is a dot, not any character.
  assert.ok(!wildcardMatches("web.example.com", "webxexample.com"));
});

Deno.test("host patterns: case counts, unless the pattern is lower-cased as known_hosts does", () => {
  // ssh_config's Host: `Host WEB` names no host `web` (ssh -G agrees).
  assert.ok(!wildcardMatches("WEB", "web"));
  assert.ok(!wildcardMatches("web", "WEB"));
  // known_hosts and Match host: the pattern only is lower-cased.
  assert.ok(wildcardMatches("WEB*", "web1", { lowerPattern: true }));
  assert.ok(!wildcardMatches("web", "WEB", { lowerPattern: true }));
});

Deno.test("host patterns: a matching negation vetoes the list, alone it matches nothing", () => {
  assert.ok(patternListMatches(["*.example.com", "!db.example.com"], "web.example.com"));
  assert.ok(!patternListMatches(["*.example.com", "!db.example.com"], "db.example.com"));
  assert.ok(!patternListMatches(["!db.example.com"], "web.example.com"));
});

Deno.test("host patterns: lower-casing is ASCII only, as match.c's tolower in the C locale (attack 2)", () => {
  // ssh-keygen -F key finds a known_hosts entry `KEY` but not `\u212Aey`
  // (KELVIN SIGN, which JavaScript lower-cases to an ASCII k).
  assert.ok(wildcardMatches("KEY", "key", { lowerPattern: true }));
  assert.ok(!wildcardMatches("\u212Aey", "key", { lowerPattern: true }));
  assert.ok(!wildcardMatches("\u212A*", "key", { lowerPattern: true }));
});
