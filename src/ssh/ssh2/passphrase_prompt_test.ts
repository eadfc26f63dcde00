import assert from "node:assert/strict";
import { passphrasePrompt, setPassphrasePrompt } from "./passphrase_prompt.ts";

Deno.test("passphrase prompt: what the command line set is what the transport asks through", async () => {
  setPassphrasePrompt((prompt) => Promise.resolve(`answer to ${prompt}`));
  assert.equal(await passphrasePrompt()?.("key?"), "answer to key?");
});
