/**
 * Which runtime runs this bundle: Deno (the helper always; the deployer
 * usually) or Node (the deployer may). The one place that asks.
 */

/** Deno's namespace when running under Deno, else undefined. */
export const denoRuntime: typeof Deno | undefined = (globalThis as { Deno?: typeof Deno }).Deno;
