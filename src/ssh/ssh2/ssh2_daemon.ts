/**
 * Nix's copies over the built-in transport: a local Unix socket, in a
 * private directory, whose every connection is forwarded through the login
 * to the host's nix-daemon socket (`nix copy --to unix://…`). There is no
 * other way in: a host without a reachable daemon socket is refused at
 * open, with the advice to use OpenSSH for it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import type { Client } from "ssh2";
import { DeployError, type ErrorContext } from "../../shared/errors.ts";

/** Where the host's nix-daemon listens (the same path on every NixOS and Nix install). */
export const DAEMON_SOCKET = "/nix/var/nix/daemon-socket/socket";

/** The login the daemon is reached through (a Link): its connection, and whether it was lost. */
export interface DaemonVia {
  readonly client: Pick<Client, "openssh_forwardOutStreamLocal"> | undefined;
  readonly lost?: string;
}

/** A host without a nix-daemon socket cannot be copied to through the connection: say so now. */
export function probeDaemon(
  client: Pick<Client, "openssh_forwardOutStreamLocal">,
  destination: string,
  context: ErrorContext,
): Promise<void> {
  return new Promise((resolve, reject) => {
    client.openssh_forwardOutStreamLocal(DAEMON_SOCKET, (err, stream) => {
      if (err) {
        reject(
          new DeployError(
            `${destination} has no nix-daemon at ${DAEMON_SOCKET} that the built-in SSH ` +
              `transport can reach (${err.message}); it copies through the daemon only: ` +
              `use --transport openssh for this host`,
            context,
          ),
        );
      } else {
        stream.on("error", () => {});
        stream.close();
        resolve();
      }
    });
  });
}

/** The local socket forwarded to the host's nix-daemon; closed with every stream it carries. */
export class DaemonForward {
  /** The local socket's path (in a directory only this user can enter: it gives access to the host). */
  readonly path: string;
  readonly #dir: string;
  readonly #server: Server;
  readonly #forwarded = new Set<Duplex | Socket>();

  /** Listen; each connection is forwarded over `via()`, the login in force when it comes. */
  static async listen(via: () => DaemonVia | undefined): Promise<DaemonForward> {
    const forward = new DaemonForward(via);
    try {
      await new Promise<void>((resolve, reject) => {
        forward.#server.once("error", reject);
        forward.#server.listen(forward.path, () => resolve());
      });
    } catch (e) {
      await forward.close();
      throw e;
    }
    return forward;
  }

  private constructor(via: () => DaemonVia | undefined) {
    this.#dir = mkdtempSync(join(tmpdir(), "deploy-ts-ssh2-"));
    this.path = join(this.#dir, "nix-daemon");
    this.#server = createServer((local) => {
      this.#forwarded.add(local);
      local.on("close", () => this.#forwarded.delete(local));
      local.on("error", () => local.destroy());
      const link = via();
      if (!link?.client || link.lost) return local.destroy();
      link.client.openssh_forwardOutStreamLocal(DAEMON_SOCKET, (err, remote) => {
        if (err) return local.destroy();
        this.#forwarded.add(remote);
        remote.on("close", () => {
          this.#forwarded.delete(remote);
          local.destroy();
        });
        remote.on("error", () => local.destroy());
        local.on("close", () => remote.close());
        local.pipe(remote).pipe(local);
      });
    });
  }

  /** Every forwarded stream ended, the socket and its directory gone. */
  close(): Promise<void> {
    for (const s of this.#forwarded) s.destroy();
    this.#forwarded.clear();
    return new Promise((resolve) => {
      // Called with an error when the server never listened; the directory goes all the same.
      this.#server.close(() => {
        rmSync(this.#dir, { recursive: true, force: true });
        resolve();
      });
    });
  }
}
