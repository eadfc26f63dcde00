/**
 * Running helper commands as the profile's user. When `user` differs from
 * `sshUser`, commands go through the configured `sudo` ("sudo -u" by
 * default; "doas -u", "run0 -u" work too). With `interactiveSudo`, sudo reads
 * the password from stdin, and `-k` makes it ask every time, so the password
 * line is always consumed by sudo and never reaches the command.
 */
import type { ProfileSettings } from "../config/settings.ts";
import { shellSplit } from "../ssh/shell_quote.ts";

/** The argv prefix that runs a command as the profile's user (empty when no switch is needed). */
export function elevationPrefix(
  s: Pick<ProfileSettings, "sudo" | "user" | "sshUser" | "interactiveSudo">,
): string[] {
  if (s.user === s.sshUser) return [];
  const words = shellSplit(s.sudo);
  if (s.interactiveSudo && words[0] === "sudo") {
    return ["sudo", "-k", "-S", "-p", "", ...words.slice(1), s.user];
  }
  return [...words, s.user];
}

/** Whether commands for these settings need the sudo password on stdin. */
export function needsPassword(
  s: Pick<ProfileSettings, "sudo" | "user" | "sshUser" | "interactiveSudo">,
): boolean {
  // Exactly when elevationPrefix adds `sudo -S`: anything else reading stdin
  // would be the command itself.
  return s.interactiveSudo && s.user !== s.sshUser && shellSplit(s.sudo)[0] === "sudo";
}

/** stdin for a command run with this prefix: the password line first, then the command's own input. */
export function stdinFor(password: string | undefined, input = ""): string | undefined {
  if (password === undefined) return input === "" ? undefined : input;
  return `${password}\n${input}`;
}
