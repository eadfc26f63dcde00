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

/** End the process with `code`. */
export function exitProcess(code: number): never {
  if (denoRuntime) denoRuntime.exit(code);
  return nodeProcess().exit(code);
}
