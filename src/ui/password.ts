/**
 * Sudo passwords: asked once per host, hidden, on the terminal; or, for CI,
 * taken from `DEPLOY_TS_SUDO_PASSWORD_<NODE>` (the node name upper-cased,
 * other characters as `_`) or `DEPLOY_TS_SUDO_PASSWORD`. A password is only
 * ever written to the stdin of sudo on the host: never to a command line, a
 * log or an environment there, nor to a local child's environment.
 */
import process from "node:process";
import { DeployError } from "../shared/errors.ts";
import { whilePrompting } from "./terminal_prompts.ts";

/** `DEPLOY_TS_SUDO_PASSWORD_WEB_EXAMPLE_COM` for node `web.example.com`. */
export function passwordVariable(node: string): string {
  return `DEPLOY_TS_SUDO_PASSWORD_${node.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** `DEPLOY_TS_SUDO_PASSWORD` and every `DEPLOY_TS_SUDO_PASSWORD_<NODE>`. */
export const PASSWORD_VARIABLE = /^DEPLOY_TS_SUDO_PASSWORD(_.*)?$/;

let taken: Map<string, string> | undefined;

/**
 * Read the password variables once and take them out of this process's
 * environment, before any child starts: ssh, Nix and whatever they run
 * (ProxyCommand, LocalCommand, build hooks) inherit it, and need no password.
 */
export function takePasswordsFromEnvironment(): void {
  if (taken) return;
  taken = new Map();
  for (const [k, v] of Object.entries(process.env)) {
    if (!PASSWORD_VARIABLE.test(k)) continue;
    if (v !== undefined) taken.set(k, v);
    delete process.env[k];
  }
}

export function passwordFromEnvironment(node: string): string | undefined {
  takePasswordsFromEnvironment();
  return taken!.get(passwordVariable(node)) ?? taken!.get("DEPLOY_TS_SUDO_PASSWORD");
}

/** Read a line from the terminal without echoing it (the live view holds back meanwhile). */
export function askHidden(prompt: string): Promise<string> {
  return whilePrompting(() => readHidden(prompt));
}

function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    return Promise.reject(
      new DeployError(
        `${prompt.trim()} needs a terminal; set DEPLOY_TS_SUDO_PASSWORD_<NODE> or DEPLOY_TS_SUDO_PASSWORD instead`,
      ),
    );
  }
  return new Promise((resolve, reject) => {
    let answer = "";
    // Echo off before the prompt appears: an answer typed at once must not be echoed.
    stdin.setRawMode(true);
    process.stderr.write(prompt);
    stdin.resume();
    stdin.setEncoding("utf8");
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(answer);
    };
    const onData = (chunk: string) => {
      for (const c of chunk) {
        if (c === "\r" || c === "\n") return done();
        if (c === "\u0003") return done(new DeployError("cancelled at the password prompt"));
        if (c === "\u007f" || c === "\b") answer = answer.slice(0, -1);
        else answer += c;
      }
    };
    stdin.on("data", onData);
  });
}
