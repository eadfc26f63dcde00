/**
 * How the pipeline reaches a host. One `Transport` per host, opened once
 * (one login), used for every command and copy, closed in every outcome.
 */
import type { RunOptions, RunResult } from "../process/run.ts";

export interface Transport {
  /** `user@host`, for messages. */
  readonly destination: string;
  /** Log in (once). Throws a DeployError saying what SSH said when it cannot. */
  open(): Promise<void>;
  /** Run an argv on the host through the open login; it is quoted once for the remote shell. */
  run(argv: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** Run an argv over a brand-new connection, proving that new logins still work. */
  runFresh(argv: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** `NIX_SSHOPTS` that make Nix's own ssh use the open login. */
  nixSshOpts(): string;
  close(): Promise<void>;
}
