/**
 * Which runtime runs this bundle: Deno (the helper always; the deployer
 * usually) or Node (the deployer may). The one place that asks.
 *
 * What every start needs (its arguments, its output, its exit) is here on
 * Deno's own APIs: under Deno, the first `node:` module or the `process`
 * global sets up Deno's Node compatibility, which costs a start about as
 * much as Deno itself (README, "What a deployment costs a host"). Under
 * Node the same calls go to Node's `process`.
 */

/** Deno's namespace when running under Deno, else undefined. */
export const denoRuntime: typeof Deno | undefined = (globalThis as { Deno?: typeof Deno }).Deno;

/** Node's process object; under Deno, touching it loads the Node compatibility. */
function nodeProcess(): typeof globalThis.process {
  return globalThis.process;
}

/** The program's arguments after the script's name. */
export function programArgs(): string[] {
  return denoRuntime ? [...denoRuntime.args] : nodeProcess().argv.slice(2);
}

/** An environment variable, or undefined. */
export function envVar(name: string): string | undefined {
  return denoRuntime ? denoRuntime.env.get(name) : nodeProcess().env[name];
}

/** Write all of `bytes` to a Deno file (a short write writes on). */
export function writeAllSync(file: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
}

const encoder = new TextEncoder();

/** Text to stdout, written before this returns. */
export function writeStdout(text: string): void {
  if (denoRuntime) writeAllSync(denoRuntime.stdout, encoder.encode(text));
  else nodeProcess().stdout.write(text);
}

/** Text to stderr, written before this returns. */
export function writeStderr(text: string): void {
  if (denoRuntime) writeAllSync(denoRuntime.stderr, encoder.encode(text));
  else nodeProcess().stderr.write(text);
}

/**
 * How long a Deno process that is done waits for what it still has pending
 * (a lock it gave up on, a connection) before it ends anyway.
 */
const EXIT_GRACE_MS = 20;

/**
 * End the process with `code`. Under Deno the process ends by itself when
 * nothing is pending, because only then does Deno write its code cache of
 * the bundle (with `Deno.exit` it never does, and every start compiles the
 * whole file again: a helper start costs 2.7× an empty script instead of
 * 2×); whatever is still pending ends it after EXIT_GRACE_MS, and nothing
 * that fails in that moment changes the code, as with `Deno.exit` at once.
 */
export function exitProcess(code: number): void {
  const deno = denoRuntime;
  if (!deno) {
    nodeProcess().exit(code);
    return;
  }
  const now = () => deno.exit(code);
  deno.exitCode = code;
  globalThis.addEventListener("unhandledrejection", (e) => {
    e.preventDefault();
    now();
  });
  globalThis.addEventListener("error", (e) => {
    e.preventDefault();
    now();
  });
  deno.unrefTimer(setTimeout(now, EXIT_GRACE_MS));
}
