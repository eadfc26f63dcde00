/**
 * The testbed's binary cache (`scripts/testbed cache`): a file:// cache the
 * deployer uploads to, served over HTTP to the hosts, with a log naming the
 * host of every request.
 */
import { run } from "../../src/process/run.ts";
import { type Testbed, TESTBED_SCRIPT } from "./testbed.ts";

/** One request the cache server saw: which host asked (by address) for what. */
export interface CacheRequest {
  /** The testbed host whose process opened the connection (`-` for none). */
  host: string;
  /** That host's address (the client's own when no host). */
  addr: string;
  path: string;
  status: number;
}

export class TestbedCache {
  constructor(readonly tb: Testbed) {}

  async #script(...args: string[]): Promise<string> {
    const r = await run([TESTBED_SCRIPT, "cache", ...args], {
      env: { TESTBED_DIR: this.tb.dir, TESTBED_NET: this.tb.net },
    });
    if (r.code !== 0) throw new Error(`testbed cache ${args.join(" ")} failed:\n${r.stderr}`);
    return r.stdout.trim();
  }

  /** Start the server; returns the URL hosts fetch from. */
  up(): Promise<string> {
    return this.#script("up");
  }

  /** Stop the server (the cache directory stays). */
  async down(): Promise<void> {
    await this.#script("down");
  }

  /** Where the deployer uploads (zstd: fast enough for tests and the bench). */
  async upload(): Promise<string> {
    return `${await this.#script("upload")}?compression=zstd`;
  }

  url(): Promise<string> {
    return this.#script("url");
  }

  /** Every request logged so far. */
  async requests(): Promise<CacheRequest[]> {
    const log = await this.#script("log");
    return log.split("\n").filter(Boolean).map((line) => {
      const m = line.match(/ host=(\S+) addr=(\S+) "\S+ (\S+) [^"]*" (\d+)$/);
      if (!m) throw new Error(`unexpected cache log line: ${line}`);
      return { host: m[1], addr: m[2], path: m[3], status: Number(m[4]) };
    });
  }

  /** The NAR files in the cache directory. */
  async nars(): Promise<string[]> {
    const dir = `${(await this.#script("upload")).replace(/^file:\/\//, "")}/nar`;
    try {
      return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    } catch {
      return [];
    }
  }
}
