/**
 * Running helper commands as the profile's user. When `user` differs from
 * `sshUser`, commands go through the configured `sudo` ("sudo -u" by
 * default; "doas -u", "run0 -u" work too).
 *
 * With `interactiveSudo`, the password goes only to a sudo that asks for it:
 * `sudo -S` reads stdin only when it authenticates, so a password written to
 * a sudo that needs none (NOPASSWD, or a root login) would reach the command
 * instead. The host is asked first, once per login and target user
 * (`sudo -k -n … true`, see sudoProbeArgv): a sudo that asks gets
 * `-k -S -p ''` (ask every time, read the password line from stdin), one that
 * does not gets `-n` and no password at all, so it fails rather than reads.
 */
import type { ProfileSettings } from "../config/settings.ts";
import { shellSplit } from "../shared/shell_quote.ts";

export type ElevationSettings = Pick<
  ProfileSettings,
  "sudo" | "user" | "sshUser" | "interactiveSudo"
>;

/**
 * The argv prefix that runs a command as the profile's user (empty when no
 * switch is needed); `sudoAsks`: a password will be written to its stdin.
 */
export function elevationPrefix(s: ElevationSettings, sudoAsks = false): string[] {
  if (s.user === s.sshUser) return [];
  const words = shellSplit(s.sudo);
  if (s.interactiveSudo && words[0] === "sudo") {
    return sudoAsks
      ? ["sudo", "-k", "-S", "-p", "", ...words.slice(1), s.user]
      : ["sudo", "-n", ...words.slice(1), s.user];
  }
  return [...words, s.user];
}

/** Whether commands for these settings may need the sudo password on stdin. */
export function needsPassword(s: ElevationSettings): boolean {
  // Exactly when elevationPrefix may add `sudo -S`: anything else reading
  // stdin would be the command itself.
  return s.interactiveSudo && s.user !== s.sshUser && shellSplit(s.sudo)[0] === "sudo";
}

/**
 * Whether sudo asks this login for a password to run commands as the
 * profile's user: exit 0 means it does not. `-k` ignores a cached
 * credential, as the commands themselves do; `-n` never reads anything.
 */
export function sudoProbeArgv(s: ElevationSettings): string[] {
  return ["sudo", "-k", "-n", ...shellSplit(s.sudo).slice(1), s.user, "true"];
}

/**
 * The password tried alone (`true` as the profile's user, only the password
 * line on stdin), before any command whose stdin holds more: `sudo -S` takes
 * a refused password's next line as another attempt, and that line would be
 * the request line, with the secrets' values, handed to PAM.
 */
export function sudoPasswordCheckArgv(s: ElevationSettings): string[] {
  return [...elevationPrefix(s, true), "true"];
}

/** stdin for a command run with this prefix: the password line first, then the command's own input. */
export function stdinFor(password: string | undefined, input = ""): string | undefined {
  if (password === undefined) return input === "" ? undefined : input;
  return `${password}\n${input}`;
}
