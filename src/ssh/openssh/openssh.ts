/**
 * The system OpenSSH client as a Transport: the user's ssh_config (aliases,
 * ProxyJump, IdentityFile, agent) and sshOpts apply, and one ControlMaster
 * per host carries every command and `nix copy`, so each host asks for a
 * login once. The confirmation of magic rollback bypasses the master
 * (`ControlPath=none`, deploy-rs #106); the user's own connection sharing
 * options are left out so that nothing overrides that.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeployError } from "../../shared/errors.ts";
import { lastLines, run, type RunOptions, type RunResult } from "../../process/run.ts";
import { processGone } from "../../process/process_gone.ts";
import { stripConnectionSharing } from "./connection_sharing.ts";
import { shellQuoteArgv } from "../../shared/shell_quote.ts";
import type { Transport } from "../transport.ts";
import type { StoreTarget } from "../../nix/store_target.ts";
import {
  DEFAULT_CONNECT_TIMEOUT_SECONDS,
  DEFAULT_SERVER_ALIVE_INTERVAL_SECONDS,
  sshDestination,
  type SshOptions,
} from "../options.ts";
import { changedKeyAdvice, keyscanCommand, NEVER_ACCEPTS } from "../host_key_advice.ts";

/**
 * Options deploy-ts adds unless the user set them in sshOpts: fail fast,
 * notice dead links, and keep the deployer's agent off hosts that are about
 * to run brand-new activation code as root (a `ForwardAgent yes` of
 * ssh_config's `Host *` would otherwise hand it over; command-line options
 * beat the files).
 */
const DEFAULT_OPTIONS: [string, string][] = [
  ["ConnectTimeout", String(DEFAULT_CONNECT_TIMEOUT_SECONDS)],
  ["ServerAliveInterval", String(DEFAULT_SERVER_ALIVE_INTERVAL_SECONDS)],
  ["ServerAliveCountMax", "3"],
  ["ForwardAgent", "no"],
];

/** The `-o Name=value` options the user already gave, by lower-cased name. */
function userOptionNames(sshOpts: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (let i = 0; i < sshOpts.length; i++) {
    const o = sshOpts[i];
    const value = o === "-o" ? sshOpts[i + 1] : o.startsWith("-o") ? o.slice(2) : undefined;
    if (value) names.add(value.split(/[=\s]/)[0].toLowerCase());
  }
  return names;
}

/** The argv of `ssh` for one remote command (pure; tested). */
export function sshArgv(
  o: Pick<SshOptions, "sshUser" | "hostname" | "sshOpts">,
  controlPath: string,
  remote: readonly string[],
  extra: readonly string[] = [],
): string[] {
  const given = userOptionNames(o.sshOpts);
  const defaults = DEFAULT_OPTIONS.filter(([k]) => !given.has(k.toLowerCase())).flatMap((
    [k, v],
  ) => [
    "-o",
    `${k}=${v}`,
  ]);
  return [
    "ssh",
    ...o.sshOpts,
    ...defaults,
    "-o",
    `ControlPath=${controlPath}`,
    ...extra,
    // "--" before the destination: nothing after it is read as an option
    // (and ssh then takes every later word as the command).
    "--",
    sshDestination(o),
    ...(remote.length ? [shellQuoteArgv(remote)] : []),
  ];
}

/**
 * Host keys are never accepted silently, and never by a prompt painted over
 * by the progress view or raced by parallel logins: where the user's
 * configuration leaves OpenSSH's default (`ask`), deploy-ts asks for
 * `StrictHostKeyChecking=yes`, so an unknown key fails the node with
 * hostKeyProblem's message. A setting of the user's own (in sshOpts or
 * ssh_config) is theirs and stays; deploy-ts never lowers it.
 */
export async function hostKeyOptions(
  o: Pick<SshOptions, "sshUser" | "hostname" | "sshOpts">,
): Promise<string[]> {
  // `ssh -G` prints the configuration ssh would use, without connecting.
  const r = await run(["ssh", "-G", ...o.sshOpts, "--", sshDestination(o)]);
  const setting = /^stricthostkeychecking (\S+)$/m.exec(r.stdout)?.[1];
  return r.code === 0 && setting !== undefined && setting !== "ask"
    ? []
    : ["-o", "StrictHostKeyChecking=yes"];
}

/** A message for ssh's host key refusals that says what to do (pure; tested). */
export function hostKeyProblem(
  o: Pick<SshOptions, "sshUser" | "hostname">,
  stderr: string,
): string | undefined {
  if (!/Host key verification failed/.test(stderr)) return undefined;
  const h = o.hostname;
  const login = `ssh ${sshDestination(o)}`;
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/.test(stderr)) {
    return `the host key of ${h} has changed since it was recorded in known_hosts: ` +
      `${changedKeyAdvice(h)} (log in once with \`${login}\`); ${NEVER_ACCEPTS}`;
  }
  return `the host key of ${h} is not known: check its fingerprint, then add it to known_hosts ` +
    `(log in once with \`${login}\`, or \`${keyscanCommand(h)} >> ~/.ssh/known_hosts\` ` +
    `and compare the fingerprint); ${NEVER_ACCEPTS}`;
}

/** How long each step of closing a master may take (a hung master must not hold the run). */
const MASTER_EXIT_LIMIT_MS = 5000;

export class OpenSshTransport implements Transport {
  readonly destination: string;
  readonly #dir: string;
  readonly #socket: string;
  #open = false;
  /** Added to every new connection (see hostKeyOptions). */
  #hostKeys: string[] = [];

  readonly options: SshOptions;

  constructor(options: SshOptions) {
    // The user's connection sharing would beat deploy-ts's own ControlPath
    // (see connection_sharing.ts); resolvePlan warns about it once.
    this.options = { ...options, sshOpts: stripConnectionSharing(options.sshOpts).kept };
    this.destination = sshDestination(options);
    // A private directory: the master's socket gives access to the host.
    this.#dir = mkdtempSync(join(tmpdir(), "deploy-ts-ssh-"));
    this.#socket = join(this.#dir, "master");
  }

  /**
   * Log in once: a master in the background. It is closed at the end of the
   * run (and on interruption); should the deployer be killed outright, it
   * still exits by itself after ten idle minutes.
   */
  async open(): Promise<void> {
    this.#hostKeys = await hostKeyOptions(this.options);
    const r = await run(
      sshArgv(this.options, this.#socket, [], [
        ...this.#hostKeys,
        "-o",
        "ControlMaster=yes",
        "-o",
        "ControlPersist=600",
        "-f",
        "-N",
      ]),
      { context: this.options.context },
    );
    if (r.code !== 0) {
      rmSync(this.#dir, { recursive: true, force: true });
      throw new DeployError(
        hostKeyProblem(this.options, r.stderr) ??
          `cannot connect to ${this.destination}: ${
            lastLines(r.stderr, 5) || `ssh exited with code ${r.code}`
          }`,
        this.options.context,
      );
    }
    this.#open = true;
  }

  run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return run(sshArgv(this.options, this.#socket, argv, ["-o", "ControlMaster=no"]), {
      context: this.options.context,
      ...options,
    });
  }

  runFresh(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return run(sshArgv(this.options, "none", argv, this.#hostKeys), {
      context: this.options.context,
      ...options,
    });
  }

  /** Nix's own ssh rides the open master: `NIX_SSHOPTS` needs only its socket. */
  nixStore(): StoreTarget {
    return {
      uri: `ssh://${this.destination}`,
      env: { NIX_SSHOPTS: `-o ControlPath=${this.#socket} -o ControlMaster=no` },
      destination: this.destination,
    };
  }

  /**
   * The master answers `-O exit` before it has exited: its pid (from
   * `-O check`) tells when it is gone, so that a run's masters, closed as
   * nodes finish, never pile up beyond `--jobs` (each step bounded: a master may hang).
   */
  async close(): Promise<void> {
    if (this.#open) {
      this.#open = false;
      const bounded = { timeoutMs: MASTER_EXIT_LIMIT_MS };
      const check = await run(sshArgv(this.options, this.#socket, [], ["-O", "check"]), bounded);
      await run(sshArgv(this.options, this.#socket, [], ["-O", "exit"]), bounded);
      const pid = /\(pid=(\d+)\)/.exec(check.stderr)?.[1];
      if (pid !== undefined) await processGone(Number(pid), MASTER_EXIT_LIMIT_MS);
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
