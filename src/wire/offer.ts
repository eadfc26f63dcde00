/**
 * The offer: how a fresh connection hands the run's token to the waiting
 * worker, or declines the run. The deployer writes one tagged line on the
 * stdin of offerTokenArgv's shell (encodeOffer), which writes that line
 * without its tag into the run directory; the worker reads it back there
 * (decodeOffer). The run directory is the profile user's, mode 0700: nobody
 * else can offer anything.
 */

/** What a fresh connection offers: the run's token, or a decline with the token and why. */
export type Offer =
  | { kind: "confirm"; token: string }
  | { kind: "decline"; token: string; reason: string };

/** The file in a run directory where a fresh connection leaves its offer for the worker. */
export const OFFERED_TOKEN_FILE = "offered-token";

/**
 * Offered instead of the bare token when the deployer's own health checks
 * failed: `decline TOKEN REASON`, on one line. The worker then rolls back at
 * once instead of waiting for its window to close. Only the token's holder
 * can decline, and declining can only roll back.
 */
export const DECLINE_PREFIX = "decline ";

/**
 * Starts the offer's line on stdin; the offering shell writes only that
 * line (without the tag) and drops any other, such as a sudo password line
 * that no sudo took, so no such line ever reaches the run directory.
 */
export const OFFER_LINE_TAG = "deploy-ts-offer ";

/** A token as the helper issues it (RunDir.issueToken): 32 random bytes in hex. */
const TOKEN = /^[0-9a-f]{64}$/;

/** Whether `text` has the shape of a run's token (the run directory holds only its hash). */
export function isRunToken(text: string): boolean {
  return TOKEN.test(text);
}

/** The longest decline reason the worker keeps (it goes into the host's record). */
const MAX_REASON = 1000;

/**
 * The stdin line for offerTokenArgv's shell: tag, offer, newline. A reason
 * is kept on the one line (its line breaks become spaces); a token that is
 * not one the helper issues is a bug of the caller, thrown.
 */
export function encodeOffer(offer: Offer): string {
  if (!TOKEN.test(offer.token)) throw new Error("encodeOffer: not a run token");
  const text = offer.kind === "confirm"
    ? offer.token
    : `${DECLINE_PREFIX}${offer.token} ${offer.reason}`;
  return `${OFFER_LINE_TAG}${text.replace(/[\r\n]+/g, " ")}\n`;
}

/**
 * The offer in the run directory's file (the line the shell wrote, without
 * its tag); undefined for text that is not an offer deploy-ts makes: more
 * than one line, or no token of the helper's shape.
 */
export function decodeOffer(text: string): Offer | undefined {
  const line = text.endsWith("\n") ? text.slice(0, -1) : text;
  if (/[\r\n]/.test(line.trimEnd())) return undefined;
  const declined = line.startsWith(DECLINE_PREFIX);
  const [token, ...reason] = declined
    ? line.slice(DECLINE_PREFIX.length).split(" ")
    : [line.trimEnd()];
  if (!TOKEN.test(token)) return undefined;
  return declined
    ? { kind: "decline", token, reason: reason.join(" ").trim().slice(0, MAX_REASON) }
    : { kind: "confirm", token };
}

/**
 * The command a fresh connection runs, as the profile's user, to offer the
 * token (read from stdin) to the worker: a shell, not a second start of the
 * helper. It reads line by line (the shell's `read` takes one byte at a time
 * from a pipe, so it takes nothing meant for another reader) and writes the
 * tagged line alone, under another name and then renamed, so the worker
 * never reads half a token. `printf` is the shell's own: the token is on no
 * command line.
 */
export function offerTokenArgv(runDir: string): string[] {
  const file = `"$1/${OFFERED_TOKEN_FILE}`;
  return [
    "sh",
    "-c",
    `umask 077 && while IFS= read -r line; do case "$line" in "${OFFER_LINE_TAG}"*) ` +
    `printf '%s\\n' "\${line#${OFFER_LINE_TAG}}" > ${file}.new" && exec mv -f ${file}.new" ${file}"; esac; done; ` +
    `echo "deploy-ts: no offer on stdin" >&2; exit 2`,
    "deploy-ts-confirm",
    runDir,
  ];
}
