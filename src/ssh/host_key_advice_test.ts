import assert from "node:assert/strict";
import { changedKeyAdvice, keyscanCommand, NEVER_ACCEPTS } from "./host_key_advice.ts";

Deno.test("host key advice: a changed key may be an attack; the fix names the host twice", () => {
  assert.equal(
    changedKeyAdvice("[web]:2222"),
    "this may be an attack; if [web]:2222 was really reinstalled, check the new fingerprint, " +
      "remove the old key with `ssh-keygen -R [web]:2222` and add the new one",
  );
  assert.match(NEVER_ACCEPTS, /never accepts a host key/);
});

Deno.test("host key advice: ssh-keyscan gets -p only off port 22", () => {
  assert.equal(keyscanCommand("web"), "ssh-keyscan web");
  assert.equal(keyscanCommand("web", 22), "ssh-keyscan web");
  assert.equal(keyscanCommand("web", 2222), "ssh-keyscan -p 2222 web");
});
