/**
 * How the built-in transport asks a key's passphrase, set by the command
 * line (hidden, like the sudo prompt). Its own file, without ssh2: the
 * command line sets it on every start, and `plan` or `status` over OpenSSH
 * must not load ssh2 for that.
 */

let ask: ((prompt: string) => Promise<string>) | undefined;

/** Let encrypted identity files ask their passphrase through `fn`. */
export function setPassphrasePrompt(fn: (prompt: string) => Promise<string>): void {
  ask = fn;
}

/** The prompt set, if any. */
export function passphrasePrompt(): ((prompt: string) => Promise<string>) | undefined {
  return ask;
}
