/**
 * Typed errors. Every error a user can see carries the node, profile and
 * field it is about, so the message names them without the caller having to
 * remember to.
 */
import { EXIT_CODES } from "./exit_codes.ts";

/** Where in the fleet an error happened. */
export interface ErrorContext {
  node?: string;
  profile?: string;
  field?: string;
}

/** Base class of every error deploy-ts reports to the user. */
export class DeployError extends Error {
  readonly context: ErrorContext;
  /** Process exit code when this error ends the run. */
  readonly exitCode: number;

  constructor(
    message: string,
    context: ErrorContext = {},
    options?: { cause?: unknown; exitCode?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.context = context;
    this.exitCode = options?.exitCode ?? EXIT_CODES.failedUnchanged;
  }

  /** The message prefixed with `node.profile (field)` where known. */
  describe(): string {
    const where = describeContext(this.context);
    return where ? `${where}: ${this.message}` : this.message;
  }
}

/** The configuration (flake output, CLI flags) is wrong; no host was contacted: exit code 2. */
export class ConfigError extends DeployError {
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, context, { ...options, exitCode: EXIT_CODES.badInput });
  }
}

/** An external command failed. */
export class CommandError extends DeployError {
  readonly argv: readonly string[];
  readonly code: number | null;
  readonly stderr: string;

  constructor(
    message: string,
    argv: readonly string[],
    code: number | null,
    stderr: string,
    context: ErrorContext = {},
  ) {
    super(message, context);
    this.argv = argv;
    this.code = code;
    this.stderr = stderr;
  }
}

/** The command line itself is wrong (unknown flag, bad value, conflicting flags): exit code 2. */
export class UsageError extends ConfigError {
  constructor(message: string, context: ErrorContext = {}) {
    super(message, context);
  }
}

/** The user declined the interactive prompt: exit code 4. */
export class CancelledError extends DeployError {
  constructor(message: string) {
    super(message, {}, { exitCode: EXIT_CODES.cancelled });
  }
}

/** `node.profile`, `node`, or `` plus ` (field)`, for messages. */
export function describeContext(context: ErrorContext): string {
  const path = [context.node, context.profile].filter((p) => p !== undefined).map(quoteName).join(
    ".",
  );
  if (context.field === undefined) return path;
  return path ? `${path} (field ${context.field})` : `field ${context.field}`;
}

/** Names that are not plain identifiers are shown quoted, as a target would need them. */
function quoteName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_'-]*$/.test(name) ? name : JSON.stringify(name);
}
