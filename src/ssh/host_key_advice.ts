/**
 * What deploy-ts tells the user about a host key it refused, in the same
 * words whichever transport refused it: how to check and replace a changed
 * key, how to fetch an unknown one, and that deploy-ts never accepts one by
 * itself (so no one waits for a prompt that will not come).
 */

/** Ends every host-key refusal. */
export const NEVER_ACCEPTS = "deploy-ts never accepts a host key by itself";

/** What to do about a key that differs from the recorded one, for the host `name` in known_hosts. */
export function changedKeyAdvice(name: string): string {
  return `this may be an attack; if ${name} was really reinstalled, check the new fingerprint, ` +
    `remove the old key with \`ssh-keygen -R ${name}\` and add the new one`;
}

/** The command that fetches a host's keys for known_hosts (`-p` only off port 22). */
export function keyscanCommand(hostname: string, port = 22): string {
  return `ssh-keyscan ${port === 22 ? "" : `-p ${port} `}${hostname}`;
}
