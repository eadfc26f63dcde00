/**
 * How the pipeline reaches a host. One `Transport` per host, opened once
 * (one login), used for every command and copy, closed in every outcome.
 */
import type { RunOptions, RunResult } from "../process/run.ts";
import type { StoreTarget } from "../nix/store_target.ts";

export interface Transport {
  /** `user@host`, for messages. */
  readonly destination: string;
  /** Log in (once). Throws a DeployError saying what SSH said when it cannot. */
  open(): Promise<void>;
  /** Run an argv on the host through the open login; it is quoted once for the remote shell. */
  run(argv: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** Run an argv over a brand-new connection, proving that new logins still work. */
  runFresh(argv: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** The host's Nix store as Nix reaches it through this login, for `nix copy` and friends. */
  nixStore(): StoreTarget;
  close(): Promise<void>;
}
