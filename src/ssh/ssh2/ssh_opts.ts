/**
 * sshOpts read as ssh reads its command line, for the built-in transport:
 * which config file, identities, user, port and jump they name, and the
 * `-o` options in order. Anything else is an error naming it.
 */
import { DeployError, type ErrorContext } from "../../shared/errors.ts";

/** Where the configuration comes from: what a jump host is resolved against too. */
export interface ConfigSource {
  /** The -F file (`none`: no file at all), or undefined for ~/.ssh/config and /etc/ssh/ssh_config. */
  configFile?: string;
  /** Command-line options as ssh_config directives, in order (first one wins). */
  directives: [string, string][];
  /** -i files. */
  identityFiles: string[];
  /** The first of -l and -o User, in order (it wins over the destination's user). */
  user?: string;
  /** The first of -p and -o Port, in order. */
  port?: string;
  /** -J. */
  jump?: string;
  /** How many jump hosts this one is reached through already (a jump's own source counts up). */
  jumpDepth?: number;
}

/** sshOpts flags without a value that change nothing for deploy-ts. */
const HARMLESS_FLAGS = new Set(["-q", "-v", "-vv", "-vvv", "-C", "-T", "-n", "-x", "-a"]);

/** Read sshOpts as ssh would (pure; tested). Anything else is an error naming it. */
export function parseSshOpts(sshOpts: readonly string[], context: ErrorContext): ConfigSource {
  const source: ConfigSource = { directives: [], identityFiles: [] };
  for (let i = 0; i < sshOpts.length; i++) {
    const word = sshOpts[i];
    const m = /^-([FipolJ])(.*)$/s.exec(word);
    if (m) {
      const value = m[2] !== "" ? m[2] : sshOpts[++i];
      if (value === undefined) {
        throw new DeployError(`sshOpts: ${word} needs a value`, { ...context, field: "sshOpts" });
      }
      switch (m[1]) {
        case "F":
          source.configFile = value; // ssh: the last -F counts
          break;
        case "i":
          source.identityFiles.push(value);
          break;
        case "p":
          source.port ??= value;
          break;
        case "l":
          source.user ??= value;
          break;
        case "J":
          // ssh: one -J, and none after an -o ProxyJump or ProxyCommand.
          if (source.jump !== undefined) {
            throw new DeployError(
              "sshOpts: only a single -J option is permitted (use commas to separate hops)",
              { ...context, field: "sshOpts" },
            );
          }
          if (source.directives.some(([k]) => /^proxy(jump|command)$/i.test(k))) {
            throw new DeployError("sshOpts: -J cannot follow -o ProxyJump or -o ProxyCommand", {
              ...context,
              field: "sshOpts",
            });
          }
          source.jump = value;
          // ...and a later -o ProxyCommand is ignored, as ssh ignores it.
          source.directives.push(["ProxyCommand", "none"]);
          break;
        case "o": {
          // ssh's blanks: space, tab, CR, LF (a form feed or a no-break space is part of a word).
          const o =
            /^[ \t\r\n]*([A-Za-z0-9]+)[ \t\r\n]*(?:=[ \t\r\n]*|[ \t\r\n]+)(.*?)[ \t\r\n\f]*$/s
              .exec(value);
          if (!o) {
            throw new DeployError(`sshOpts: cannot read the option -o ${JSON.stringify(value)}`, {
              ...context,
              field: "sshOpts",
            });
          }
          source.directives.push([o[1], o[2]]);
          // ssh: the first of -l and -o User wins, and of -p and -o Port.
          if (/^user$/i.test(o[1])) source.user ??= o[2];
          if (/^port$/i.test(o[1])) source.port ??= o[2];
          break;
        }
      }
      continue;
    }
    if (word === "-4" || word === "-6") {
      source.directives.push(["AddressFamily", word === "-4" ? "inet" : "inet6"]);
      continue;
    }
    if (HARMLESS_FLAGS.has(word)) continue;
    throw new DeployError(
      `sshOpts: the built-in SSH transport does not support ${JSON.stringify(word)} ` +
        `(it reads -F -i -p -l -J -o -4 -6); use --transport openssh for it`,
      { ...context, field: "sshOpts" },
    );
  }
  return source;
}
