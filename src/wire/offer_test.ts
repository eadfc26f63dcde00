import assert from "node:assert/strict";
import { decodeOffer, encodeOffer, type Offer, OFFER_LINE_TAG } from "./offer.ts";

const TOKEN = "0123456789abcdef".repeat(4);

/** What the offering shell writes into the run directory for a stdin line: the line without its tag. */
function written(stdinLine: string): string {
  assert.ok(stdinLine.startsWith(OFFER_LINE_TAG) && stdinLine.endsWith("\n"), stdinLine);
  assert.equal(stdinLine.indexOf("\n"), stdinLine.length - 1, "one line");
  return stdinLine.slice(OFFER_LINE_TAG.length);
}

Deno.test("offer: decode(encode(o)) is o, a confirmation or a decline with its reason", () => {
  const offers: Offer[] = [
    { kind: "confirm", token: TOKEN },
    { kind: "decline", token: TOKEN, reason: "health check http (http) failed: exit 3" },
    { kind: "decline", token: TOKEN, reason: "" },
    { kind: "decline", token: TOKEN, reason: "ünïcødé and 'quotes' and $(id)" },
  ];
  for (const offer of offers) assert.deepEqual(decodeOffer(written(encodeOffer(offer))), offer);
  // A reason's line breaks become spaces: the offer stays one line.
  assert.deepEqual(
    decodeOffer(written(encodeOffer({ kind: "decline", token: TOKEN, reason: "a:\nb\r\nc" }))),
    { kind: "decline", token: TOKEN, reason: "a: b c" },
  );
  // The reason the worker keeps is bounded.
  const long = decodeOffer(
    written(encodeOffer({ kind: "decline", token: TOKEN, reason: "x".repeat(5000) })),
  );
  assert.equal(long?.kind === "decline" && long.reason.length, 1000);
});

Deno.test("offer: decode refuses text that is not an offer deploy-ts makes", () => {
  for (
    const text of [
      "",
      "\n",
      "not-the-token\n",
      `${TOKEN.slice(1)}\n`,
      `${TOKEN.toUpperCase()}\n`,
      `${TOKEN} trailing words\n`,
      `${TOKEN}\n${TOKEN}\n`,
      `decline \n`,
      `decline not-a-token because\n`,
      `decline ${TOKEN}\nsecond line\n`,
      `${OFFER_LINE_TAG}${TOKEN}\n`,
    ]
  ) {
    assert.equal(decodeOffer(text), undefined, JSON.stringify(text));
  }
});

Deno.test("offer: encode refuses a token the helper never issues", () => {
  for (const token of ["", "short", `${TOKEN} x`, `${TOKEN}\n`]) {
    assert.throws(() => encodeOffer({ kind: "confirm", token }), /not a run token/);
  }
});
