/**
 * Which transport reaches a host: the `transport` setting ("openssh", the
 * default, or "ssh2", the built-in client), and the built-in one, with a
 * note, where there is no `ssh` to run. The built-in transport is loaded
 * only when a host needs it: `deploy --help` and the helper on the hosts
 * never load ssh2 (about 80 ms at import).
 */
import { accessSync, constants } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import type { ProfilePlan } from "../config/plan.ts";
import type { RunOptions, RunResult } from "../process/run.ts";
import type { StoreTarget } from "../nix/store_target.ts";
import { OpenSshTransport } from "./openssh/openssh.ts";
import type { Transport } from "./transport.ts";
import { sshDestination, type SshOptions } from "./options.ts";

/** Whether an executable `ssh` is on PATH (as a spawn of "ssh" would find it). */
export function hasSshBinary(path = process.env.PATH ?? ""): boolean {
  return path.split(":").filter((d) => d !== "").some((d) => {
    try {
      accessSync(join(d, "ssh"), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

let noted = false;

/** The transport for a profile's host (a `Connect` for HostSessions). */
export function transportFor(p: ProfilePlan): Transport {
  const options: SshOptions = {
    sshUser: p.settings.sshUser,
    hostname: p.hostname,
    sshOpts: p.settings.sshOpts,
    context: { node: p.node },
  };
  if (p.settings.transport === "ssh2") return new LazySsh2Transport(options);
  if (!hasSshBinary()) {
    if (!noted) {
      noted = true;
      process.stderr.write(
        "deploy: note: no `ssh` on PATH: using the built-in SSH transport (--transport ssh2)\n",
      );
    }
    return new LazySsh2Transport(options);
  }
  return new OpenSshTransport(options);
}

/** The built-in transport, imported when its host is first opened. */
class LazySsh2Transport implements Transport {
  readonly destination: string;
  #impl?: Transport;

  constructor(readonly options: SshOptions) {
    this.destination = sshDestination(options);
  }

  async open(): Promise<void> {
    const { Ssh2Transport } = await import("./ssh2/ssh2_transport.ts");
    this.#impl = new Ssh2Transport(this.options);
    await this.#impl.open();
  }

  run(argv: readonly string[], options?: RunOptions): Promise<RunResult> {
    return this.#opened().run(argv, options);
  }

  runFresh(argv: readonly string[], options?: RunOptions): Promise<RunResult> {
    return this.#opened().runFresh(argv, options);
  }

  nixStore(): StoreTarget {
    return this.#opened().nixStore();
  }

  async close(): Promise<void> {
    await this.#impl?.close();
  }

  #opened(): Transport {
    if (!this.#impl) throw new Error(`${this.destination}: used before open`);
    return this.#impl;
  }
}
