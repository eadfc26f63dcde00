/**
 * One login to a host and the jump hosts' logins it rides on (ProxyJump),
 * closed together: the destination first, then each hop outwards. A link
 * that fails after login says why, so every command on it ends with that
 * reason instead of hanging.
 */
import type { Client } from "ssh2";

export class Link {
  /** Innermost last: the connection to the destination itself. */
  readonly clients: Client[] = [];
  /** Set when the connection to the destination failed after login. */
  lost?: string;

  get client(): Client {
    return this.clients[this.clients.length - 1];
  }

  /** From now on, an error or close of the destination's connection marks the link lost. */
  watchForLoss(destination: string): void {
    this.client.on(
      "error",
      (e: Error) => this.lost ??= `connection to ${destination} lost: ${e.message}`,
    );
    this.client.on("close", () => this.lost ??= `connection to ${destination} closed`);
  }

  close(): void {
    // The destination first, then each hop it rode on.
    for (const c of [...this.clients].reverse()) {
      c.end();
      c.destroy();
    }
    this.clients.length = 0;
  }
}
