/**
 * Who the built-in transport logs in as: the SSH agent first, then the
 * identity files, as OpenSSH does. An encrypted key's passphrase is asked
 * once per run (hidden, like the sudo prompt), however many hosts and
 * connections use the key; a key that cannot sign here is skipped with the
 * reason, which the login failure then names.
 */
import { Buffer } from "node:buffer";
import { existsSync, readFileSync } from "node:fs";
import process from "node:process";
import {
  type AnyAuthMethod,
  type AuthHandlerMiddleware,
  type BaseAgent,
  OpenSSHAgent,
  type ParsedKey,
  utils,
} from "ssh2";
import type { ResolvedHost } from "./ssh2_config.ts";
import { passphrasePrompt } from "./passphrase_prompt.ts";

/** One run's keys, by path: each file is read (and its passphrase asked) once. */
const keys = new Map<string, Promise<ParsedKey | string>>();
/** Prompts one at a time: parallel logins never ask over each other. */
let prompts: Promise<unknown> = Promise.resolve();

// How a key's passphrase is asked: set by the command line (passphrase_prompt.ts).
export { setPassphrasePrompt } from "./passphrase_prompt.ts";

function isEncrypted(e: Error): boolean {
  return /encrypted|passphrase|bad decrypt|integrity check/i.test(e.message);
}

/**
 * A key file, ready to sign, or the reason it cannot be used (a string).
 * `batchMode`: never ask (as OpenSSH's BatchMode).
 */
export function loadKey(path: string, batchMode: boolean): Promise<ParsedKey | string> {
  let p = keys.get(path);
  if (!p) {
    p = readKey(path, batchMode);
    keys.set(path, p);
  }
  return p;
}

async function readKey(path: string, batchMode: boolean): Promise<ParsedKey | string> {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    return `${path}: ${(e as Error).message}`;
  }
  let parsed = utils.parseKey(data);
  if (parsed instanceof Error && isEncrypted(parsed)) {
    if (batchMode) return `${path} is encrypted and BatchMode is set (no prompt)`;
    const ask = passphrasePrompt();
    if (!process.stdin.isTTY || !ask) {
      return `${path} is encrypted and there is no terminal to ask its passphrase ` +
        `(add it to ssh-agent)`;
    }
    // Three tries, as OpenSSH gives.
    for (let attempt = 0; attempt < 3 && parsed instanceof Error; attempt++) {
      const asked = prompts.then(() => ask(`Enter passphrase for key '${path}': `));
      prompts = asked.catch(() => {});
      const passphrase = await asked;
      if (passphrase === "") return `${path}: no passphrase given`;
      parsed = utils.parseKey(data, passphrase);
    }
  }
  if (parsed instanceof Error) return `${path}: ${parsed.message}`;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key.isPrivateKey()) return `${path} is not a private key`;
  // Deno cannot sign with about half of ECDSA key files (a private scalar with
  // a leading zero byte: "invalid SEC1 private key"); find out now, not mid-login.
  const probe = key.sign(Buffer.from("deploy-ts"));
  if (probe instanceof Error) {
    return `${path} (${key.type}) cannot sign here: ${probe.message}` +
      (key.type.startsWith("ecdsa")
        ? " (a known Deno bug with some ECDSA key files; the same key works through ssh-agent)"
        : "");
  }
  return key;
}

/** The public key blobs of the identity files (their .pub, or the unencrypted key itself). */
function identityBlobs(files: readonly string[]): Buffer[] {
  const blobs: Buffer[] = [];
  for (const f of files) {
    for (const candidate of [`${f}.pub`, f]) {
      if (!existsSync(candidate)) continue;
      const k = utils.parseKey(readFileSync(candidate));
      if (!(k instanceof Error)) {
        blobs.push((Array.isArray(k) ? k[0] : k).getPublicSSH());
        break;
      }
    }
  }
  return blobs;
}

/** The agent, offering only the identity files' keys (IdentitiesOnly). */
class IdentitiesOnlyAgent extends OpenSSHAgent {
  constructor(socket: string, readonly allowed: Buffer[]) {
    super(socket);
  }
  override getIdentities(cb: (err: Error | undefined, keys?: ParsedKey[]) => void): void {
    super.getIdentities((err, found) => {
      if (err) return cb(err);
      cb(
        undefined,
        ((found ?? []) as ParsedKey[]).filter((k) =>
          this.allowed.some((b) => b.equals(k.getPublicSSH()))
        ),
      );
    });
  }
}

export interface Authentication {
  handler: AuthHandlerMiddleware;
  /** What was tried and why it did not work, for the message when no method is left. */
  tried: string[];
}

/** ssh2's authHandler: the agent, then each identity file that exists. */
export function authentication(host: ResolvedHost): Authentication {
  const tried: string[] = [];
  const steps: (() => Promise<AnyAuthMethod | undefined>)[] = [];
  const username = host.user;
  if (host.identityAgent) {
    const socket = host.identityAgent;
    steps.push(() => {
      tried.push(`the agent at ${socket}`);
      const agent: BaseAgent = host.identitiesOnly
        ? new IdentitiesOnlyAgent(socket, identityBlobs(host.identityFiles))
        : new OpenSSHAgent(socket);
      return Promise.resolve({ type: "agent", username, agent });
    });
  }
  for (const file of host.identityFiles) {
    steps.push(async () => {
      if (!existsSync(file)) return undefined;
      const key = await loadKey(file, host.batchMode);
      if (typeof key === "string") {
        tried.push(key);
        return undefined;
      }
      tried.push(file);
      return { type: "publickey", username, key };
    });
  }
  let next = 0;
  const handler: AuthHandlerMiddleware = (methodsLeft, _partial, callback) => {
    const done = callback as (m: AnyAuthMethod | false) => void;
    const step = async (): Promise<void> => {
      if (methodsLeft && !methodsLeft.includes("publickey")) return done(false);
      while (next < steps.length) {
        const method = await steps[next++]();
        if (method) return done(method);
      }
      done(false);
    };
    step().catch((e) => {
      tried.push((e as Error).message);
      done(false);
    });
  };
  return { handler, tried };
}

/** The message for a login that no method got through. */
export function authenticationFailed(destination: string, tried: readonly string[]): string {
  return `cannot log in to ${destination}: permission denied (publickey); tried ${
    tried.length ? tried.join("; ") : "no key (no agent, no identity file found)"
  }`;
}
