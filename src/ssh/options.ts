/**
 * What both transports are given to reach one host, and what they add
 * unless the user set it. OpenSSH and the built-in transport take the same
 * options and name the host the same way in every message and argv.
 */
import type { ErrorContext } from "../shared/errors.ts";

export interface SshOptions {
  sshUser: string;
  hostname: string;
  /** The merged sshOpts (already split into words). */
  sshOpts: readonly string[];
  context: ErrorContext;
}

/** `user@host`: the destination as ssh takes it and as messages name it. */
export function sshDestination(o: Pick<SshOptions, "sshUser" | "hostname">): string {
  return `${o.sshUser}@${o.hostname}`;
}

/**
 * Added by both transports unless the user set them: fail fast on a host
 * that does not answer, and notice a dead link within seconds.
 */
export const DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;
export const DEFAULT_SERVER_ALIVE_INTERVAL_SECONDS = 5;
