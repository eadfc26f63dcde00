/**
 * The way to a host: a TCP connection, or, under ProxyJump, a channel
 * through the login to the last jump host, which itself is reached the
 * same way (each hop an ssh2 login resolved against the same
 * configuration). Every login made on the way lands in one Link, so the
 * whole chain closes together.
 */
import { connect as tcpConnect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Client } from "ssh2";
import type { ErrorContext } from "../../shared/errors.ts";
import {
  type ConfigSource,
  jumpSource,
  parseJump,
  type ResolvedHost,
  resolveHost,
} from "./ssh2_config.ts";
import { DEFAULT_CONNECT_TIMEOUT_SECONDS } from "../options.ts";
import type { Link } from "./ssh2_link.ts";
import { login } from "./ssh2_login.ts";

/** A TCP connection, within ConnectTimeout, with Nagle off (ssh2 leaves it on: +250 ms a command). */
export function tcp(
  host: Pick<ResolvedHost, "hostname" | "port" | "family" | "connectTimeout">,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = tcpConnect({
      host: host.hostname,
      port: host.port,
      ...(host.family ? { family: host.family } : {}),
    });
    const seconds = host.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_SECONDS;
    const timer = setTimeout(() => {
      sock.destroy();
      reject(
        new Error(`connect to ${host.hostname} port ${host.port}: timed out after ${seconds}s`),
      );
    }, seconds * 1000);
    sock.once("connect", () => {
      clearTimeout(timer);
      sock.setNoDelay(true);
      resolve(sock);
    });
    sock.once("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`connect to ${host.hostname} port ${host.port}: ${e.message}`));
    });
  });
}

/** A channel to host:port through an open login (one ProxyJump hop). */
export function forwardOut(
  via: Pick<Client, "forwardOut">,
  host: Pick<ResolvedHost, "hostname" | "port">,
): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    via.forwardOut("127.0.0.1", 0, host.hostname, host.port, (err, stream) => {
      if (err) {
        reject(
          new Error(
            `the jump host cannot reach ${host.hostname} port ${host.port}: ${err.message}`,
          ),
        );
      } else resolve(stream);
    });
  });
}

/**
 * Connect to a resolved host, through its ProxyJump hops (each an ssh2 login
 * resolved against the same configuration), into `link`.
 */
export async function connectVia(
  link: Link,
  source: ConfigSource,
  host: ResolvedHost,
  destination: string,
  context: ErrorContext,
): Promise<void> {
  let sock: Duplex;
  if (host.proxyJump.length === 0) {
    sock = await tcp(host);
  } else {
    const hops = host.proxyJump;
    const hop = parseJump(hops[hops.length - 1]);
    const jumpSrc = jumpSource(source, hop, hops.slice(0, -1));
    const jump = resolveHost(jumpSrc, hop.host, undefined, context);
    try {
      await connectVia(link, jumpSrc, jump, `${jump.user}@${jump.alias}`, context);
    } catch (e) {
      throw new Error(`through the jump host ${jump.alias}: ${(e as Error).message}`);
    }
    sock = await forwardOut(link.client, host);
  }
  const client = await login(sock, host, destination);
  link.clients.push(client);
}
