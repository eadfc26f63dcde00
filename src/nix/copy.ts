/** Copying closures into a host's store, over whatever the transport handed over. */
import process from "node:process";
import { DeployError, type ErrorContext } from "../shared/errors.ts";
import { lastLines, run } from "../process/run.ts";
import { nixArgv } from "./nix_command.ts";
import type { StoreTarget } from "./store_target.ts";

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

/** Sign closures with LOCAL_KEY when it is set, so that hosts can trust what they receive. */
export async function signWithLocalKey(
  paths: readonly string[],
  context: ErrorContext,
): Promise<void> {
  const localKey = process.env.LOCAL_KEY;
  if (!localKey || paths.length === 0) return;
  const sign = await run(
    nixArgv(false, "store", "sign", "--key-file", localKey, "--recursive", ...paths),
  );
  if (sign.code !== 0) {
    throw new DeployError(`signing with LOCAL_KEY failed: ${lastLines(sign.stderr, 5)}`, context);
  }
}

export async function copyToHost(
  store: StoreTarget,
  paths: readonly string[],
  options: CopyOptions,
): Promise<void> {
  if (paths.length === 0) return;
  if (!options.derivation) await signWithLocalKey(paths, options.context);
  const r = await run(
    nixArgv(
      false,
      "copy",
      ...(options.substitute ? ["--substitute-on-destination"] : []),
      ...(options.checkSigs ? [] : ["--no-check-sigs"]),
      ...(options.derivation ? ["--derivation"] : []),
      "--to",
      store.uri,
      ...paths,
    ),
    { env: store.env, onStderrLine: options.onLine },
  );
  if (r.code !== 0) {
    throw new DeployError(
      `copying to ${store.destination} failed: ${lastLines(r.stderr, 10)}`,
      options.context,
    );
  }
}
