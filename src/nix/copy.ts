/** Copying closures into a host's store, over the host's open SSH login. */
import process from "node:process";
import { DeployError, type ErrorContext } from "../errors.ts";
import { lastLines, run } from "../process/run.ts";
import type { Transport } from "../ssh/transport.ts";
import { nixArgv } from "./nix_command.ts";

export interface CopyOptions {
  /** Let the host fetch from its substituters (unless fastConnection). */
  substitute: boolean;
  /** `--checksigs`: do not pass --no-check-sigs. */
  checkSigs: boolean;
  /** Copy the derivations (for building on the host), not their outputs. */
  derivation?: boolean;
  context: ErrorContext;
  onLine?: (line: string) => void;
}

/** The host's Nix store as Nix's own ssh reaches it (through the open login, see nixSshOpts). */
export function storeUriOf(transport: Transport): string {
  return `ssh://${transport.destination}`;
}

export async function copyToHost(
  transport: Transport,
  paths: readonly string[],
  options: CopyOptions,
): Promise<void> {
  if (paths.length === 0) return;
  const localKey = process.env.LOCAL_KEY;
  if (localKey && !options.derivation) {
    const sign = await run(
      nixArgv(false, "store", "sign", "--key-file", localKey, "--recursive", ...paths),
    );
    if (sign.code !== 0) {
      throw new DeployError(
        `signing with LOCAL_KEY failed: ${lastLines(sign.stderr, 5)}`,
        options.context,
      );
    }
  }
  const r = await run(
    nixArgv(
      false,
      "copy",
      ...(options.substitute ? ["--substitute-on-destination"] : []),
      ...(options.checkSigs ? [] : ["--no-check-sigs"]),
      ...(options.derivation ? ["--derivation"] : []),
      "--to",
      storeUriOf(transport),
      ...paths,
    ),
    { env: { NIX_SSHOPTS: transport.nixSshOpts() }, onStderrLine: options.onLine },
  );
  if (r.code !== 0) {
    throw new DeployError(
      `copying to ${transport.destination} failed: ${lastLines(r.stderr, 10)}`,
      options.context,
    );
  }
}
