/**
 * Driving the on-host helper over real SSH, as the deployer will: build the
 * package and test profiles, copy them to testbed hosts, and follow the
 * helper's JSON-lines events.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { run, runChecked } from "../../src/process/run.ts";
import { shellQuoteArgv } from "../../src/shared/shell_quote.ts";
import type { HelperEvent } from "../../src/wire/protocol.ts";
import { parseHelperEvent } from "../../src/host/helper_output.ts";
import { encodeRequest, type HelperCommand, type RequestInput } from "../../src/wire/requests.ts";
import { REPO_ROOT, type Testbed } from "./testbed.ts";
import { writeTree } from "./flake.ts";
import { bundlePath } from "./cli.ts";
import { nixStringLiteral } from "../../src/nix/nix_string.ts";

let packagePath: Promise<string> | undefined;

/** deploy-ts's package (bundle + Deno), built with the stand-in pkgs; once per test process. */
export function helperPackage(): Promise<string> {
  packagePath ??= (async () => {
    await bundlePath();
    const r = await runChecked([
      "nix-build",
      "--no-out-link",
      join(REPO_ROOT, "test", "nix", "package.nix"),
    ]);
    return r.stdout.trim();
  })();
  return packagePath;
}

export interface ProfileSpec {
  /** Printed by the activation and appended to /tmp/activations-<user> on the host. */
  message: string;
  /** Exit code of the activation script (default 0). */
  exitCode?: number;
  /** Seconds the activation sleeps before finishing. */
  sleep?: number;
  /** Which entry point the profile has. */
  entry?: "deploy-ts-activate" | "deploy-rs-activate" | "switch-to-configuration" | "none";
  /** Extra shell run by the activation (as the profile user, on the host). */
  script?: string;
  /** Mark the profile as making itself the boot default only after confirmation (lib.activate.nixos). */
  bootAfterConfirm?: boolean;
}

/** Build a test profile into the local store; returns its store path. */
export async function buildProfile(spec: ProfileSpec): Promise<string> {
  const entry = spec.entry ?? "deploy-ts-activate";
  const body = [
    "#!/bin/sh",
    `echo "activating ${spec.message} mode=$DRY_ACTIVATE$BOOT profile=$PROFILE cwd=$PWD"`,
    `echo "${spec.message} dry=$DRY_ACTIVATE boot=$BOOT\${1:+ $1}" >> /tmp/activations-$(id -un)`,
    spec.sleep ? `sleep ${spec.sleep}` : "",
    spec.script ?? "",
    `exit ${spec.exitCode ?? 0}`,
  ].join("\n");
  const target = entry === "switch-to-configuration" ? "bin/switch-to-configuration" : entry;
  const build = entry === "none"
    ? "mkdir -p $out && echo plain > $out/README"
    : `mkdir -p $out/bin && printf '%s\\n' "$body" > $out/${target} && chmod +x $out/${target}`
      .concat(
        spec.bootAfterConfirm ? " && touch $out/deploy-ts-boot-after-confirm" : "",
      );
  const dir = writeTree({
    "profile.nix": `builtins.derivation {
      name = "profile-${spec.message.replace(/[^a-zA-Z0-9]/g, "-")}";
      system = builtins.currentSystem;
      builder = "/bin/sh";
      PATH = "/usr/bin:/bin";
      body = ${nixStringLiteral(body)};
      args = [ "-c" ${nixStringLiteral(build)} ];
    }`,
  });
  const r = await runChecked(["nix-build", "--no-out-link", join(dir, "profile.nix")]);
  return r.stdout.trim();
}

/** Copy store paths into a host's store over SSH. */
export async function copyTo(tb: Testbed, host: string, ...paths: string[]): Promise<void> {
  await runChecked(["nix", "copy", "--no-check-sigs", "--to", `ssh://root@${host}`, ...paths], {
    env: { NIX_SSHOPTS: tb.sshOpts.join(" ") },
  });
}

/** `PKG/bin/deploy COMMAND ARGS…`, its argv encoded as the deployer encodes it. */
export function helperCommand<C extends HelperCommand>(
  pkg: string,
  command: C,
  request: RequestInput<C>,
): string[] {
  return [`${pkg}/bin/deploy`, ...encodeRequest(command, request)];
}

/** A helper command running over SSH, its events arriving as they come. */
export class HelperSession {
  readonly events: HelperEvent[] = [];
  readonly exit: Promise<number>;
  stderr = "";
  #waiters: { pred: (e: HelperEvent) => boolean; resolve: (e: HelperEvent) => void }[] = [];
  #kill: () => void;

  constructor(tb: Testbed, userAtHost: string, argv: string[], input?: string) {
    const child = spawn("ssh", [...tb.sshOpts, userAtHost, shellQuoteArgv(argv)], {
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    if (input !== undefined) child.stdin!.end(input);
    this.#kill = () => child.kill("SIGKILL");
    let partial = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      partial += chunk;
      const lines = partial.split("\n");
      partial = lines.pop()!;
      for (const line of lines) {
        const e = parseHelperEvent(line, {});
        if (!e) continue;
        this.events.push(e);
        this.#waiters = this.#waiters.filter((w) => (w.pred(e) ? (w.resolve(e), false) : true));
      }
    });
    child.stderr!.setEncoding("utf8").on("data", (c: string) => (this.stderr += c));
    this.exit = new Promise((resolve) => child.on("close", (code) => resolve(code ?? 255)));
  }

  /** The first event (already seen or still to come) that matches. */
  waitFor(pred: (e: HelperEvent) => boolean, timeoutMs = 60000): Promise<HelperEvent> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`no such event within ${timeoutMs}ms: ${JSON.stringify(this.events)}`)),
        timeoutMs,
      );
      this.#waiters.push({ pred, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  }

  async run(): Promise<{ runDir: string; token?: string }> {
    const e = await this.waitFor((e) => e.type === "run");
    return e as { runDir: string; token?: string };
  }

  phase(phase: string): Promise<HelperEvent> {
    return this.waitFor((e) => e.type === "phase" && e.phase === phase);
  }

  async outcome(): Promise<Extract<HelperEvent, { type: "outcome" }>> {
    return await this.waitFor((e) => e.type === "outcome") as Extract<
      HelperEvent,
      { type: "outcome" }
    >;
  }

  logLines(): string[] {
    return this.events.flatMap((e) => (e.type === "log" ? [e.line] : []));
  }

  /** Cut the SSH connection, as a network failure would. */
  kill(): void {
    this.#kill();
  }
}

/** `deploy confirm RUN_DIR` over a fresh connection, the token on stdin. */
export async function confirm(
  tb: Testbed,
  userAtHost: string,
  pkg: string,
  runDir: string,
  token: string,
) {
  return await run([
    "ssh",
    ...tb.sshOpts,
    userAtHost,
    shellQuoteArgv(helperCommand(pkg, "confirm", { runDir })),
  ], {
    input: `${token}\n`,
  });
}

/** Run a command on a host as root (no SSH) and return its stdout. */
export async function onHost(tb: Testbed, host: string, command: string): Promise<string> {
  const r = await tb.exec(host, ["sh", "-c", command]);
  return r.stdout.trim();
}
