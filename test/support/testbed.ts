/**
 * Fresh testbed hosts for an end-to-end test, in one line:
 *
 *     await using tb = await Testbed.up(2);
 *
 * Each Testbed has its own state directory and its own block of loopback
 * addresses, so test files can run side by side; `down` runs when the test
 * leaves the scope, also when it fails.
 */
import { mkdtempSync } from "node:fs";
import { basename, dirname, fromFileUrl, join } from "./paths.ts";
import { run, type RunResult } from "../../src/process/run.ts";

export const REPO_ROOT = dirname(dirname(dirname(fromFileUrl(import.meta.url))));
export const TESTBED_SCRIPT = join(REPO_ROOT, "scripts", "testbed");
const TESTBEDS_ROOT = "/var/lib/deploy-ts/testbeds";

/** The Nix generations the testbed's hosts and scripts/with-nix can run. */
export type NixVersion = "2.8" | "2.26";

/** TESTBED_NIX of the test run (so the whole suite can run against 2.26 hosts), else 2.8. */
function hostNix(): NixVersion {
  const v = Deno.env.get("TESTBED_NIX") ?? "2.8";
  if (v !== "2.8" && v !== "2.26") throw new Error(`TESTBED_NIX must be 2.8 or 2.26, got ${v}`);
  return v;
}

export class Testbed implements AsyncDisposable {
  readonly hosts: string[];
  #down = false;

  private constructor(
    readonly dir: string,
    readonly net: string,
    count: number,
    /** The hosts' Nix: this machine's 2.8, or 2.26 from scripts/nix-root's Debian 13 root. */
    readonly nix: NixVersion,
  ) {
    this.hosts = Array.from({ length: count }, (_, i) => `h${i + 1}`);
  }

  /** Start `count` fresh hosts h1…hN (on Nix 2.8 unless `nix` or TESTBED_NIX says otherwise). */
  static async up(count = 3, nix = hostNix()): Promise<Testbed> {
    await Deno.mkdir(TESTBEDS_ROOT, { recursive: true });
    const dir = mkdtempSync(join(TESTBEDS_ROOT, "tb-"));
    // A /24 of its own: 127.X.Y.(10+i), derived from the unique directory name.
    const seed = [...basename(dir)].reduce((a, c) => (a * 31 + c.charCodeAt(0)) >>> 0, 7);
    const net = `127.${100 + (seed % 150)}.${1 + ((seed >>> 8) % 250)}`;
    // Whose testbed this is: scripts/test clears only those whose owner died.
    await Deno.writeTextFile(join(dir, "owner"), `${Deno.pid}\n`);
    const tb = new Testbed(dir, net, count, nix);
    const r = await tb.#script(["up", String(count)]);
    if (r.code !== 0) {
      await tb.down();
      throw new Error(`testbed up failed:\n${r.stderr}${r.stdout}`);
    }
    return tb;
  }

  /** The OpenSSH client config with `Host h1` … entries. */
  get sshConfig(): string {
    return join(this.dir, "ssh_config");
  }

  /** The secret key the hosts trust, for LOCAL_KEY. */
  get signingKey(): string {
    return join(this.dir, "signing-key.sec");
  }

  /** ssh options that reach the testbed's hosts, for sshOpts and NIX_SSHOPTS. */
  get sshOpts(): string[] {
    return ["-F", this.sshConfig];
  }

  /** Run argv as root inside a host's namespaces, without SSH. */
  exec(host: string, argv: string[], input?: string): Promise<RunResult> {
    return this.#script(["exec", host, "--", ...argv], input);
  }

  /** Run a command line over real SSH as `user@host`. */
  ssh(userAtHost: string, command: string): Promise<RunResult> {
    return run(["ssh", ...this.sshOpts, userAtHost, command]);
  }

  /** Whether a store path is valid in a host's own store. */
  async hasPath(host: string, path: string): Promise<boolean> {
    const r = await this.exec(host, ["nix-store", "--check-validity", path]);
    return r.code === 0;
  }

  async down(): Promise<void> {
    if (this.#down) return;
    this.#down = true;
    const r = await this.#script(["down"]);
    if (r.code !== 0) throw new Error(`testbed down failed:\n${r.stderr}`);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.down();
  }

  #script(args: string[], input?: string): Promise<RunResult> {
    return run([TESTBED_SCRIPT, ...args], {
      env: { TESTBED_DIR: this.dir, TESTBED_NET: this.net, TESTBED_NIX: this.nix },
      input,
    });
  }
}
