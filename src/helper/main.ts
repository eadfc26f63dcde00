/**
 * The on-host helper: what each command does once requests.ts has decoded
 * its argv (the one option table per command, shared with the deployer).
 * Values arrive as argv (the deployer quotes them once for the SSH user's
 * shell), and those others must not see as one request line on stdin
 * (request_line.ts); nothing here parses shell.
 *
 * Each command's usage is made from its option table (src/wire/usage.ts):
 * `deploy COMMAND --help` prints it, before anything is read from stdin.
 *
 * Every command first rolls back a run of the profile whose worker died
 * before its outcome was final (recover.ts).
 */
import { DeployError } from "../shared/errors.ts";
import { confirmCanary } from "./confirm.ts";
import { followRun, writeEvent } from "./follow.ts";
import { resolveProfilePath } from "./profile_path.ts";
import {
  type ActivateRequest,
  type CheckHealthRequest,
  type ConfirmRequest,
  decodeRequest,
  type ProfileRef,
  type QueryRequest,
  readsRequestLine,
  type RevokeRequest,
  type WaitRequest,
} from "../wire/requests.ts";
import { RunDir } from "./run_dir.ts";
import { startAndFollow } from "./start.ts";
import { workerMain } from "./worker/worker_main.ts";
import { describeProfile } from "./query.ts";
import { recoverIfDead } from "./recover.ts";
import { parseHostChecks, runCommandCheck } from "./health.ts";
import { readRequestLine } from "./request_line.ts";
import { helpRequested } from "../wire/usage.ts";
import { parseUploads } from "./secrets/run_secrets.ts";
import { dropSecretBackups, secretStatus, uploadSecrets } from "./secrets/commands.ts";
import { writeStderr, writeStdout } from "../process/runtime.ts";
import { env, userInfo } from "./host_os.ts";

/** Run one helper command (argv from the subcommand on); resolves to the exit code. */
export async function helperMain(argv: readonly string[]): Promise<number> {
  const usage = helpRequested(argv);
  if (usage !== undefined) {
    writeStdout(usage);
    return 0;
  }
  // What others must not read (health checks) comes on stdin, not argv.
  const line = readsRequestLine(argv[0]) ? readRequestLine() : undefined;
  const { command, request } = decodeRequest(argv, line);
  switch (command) {
    case "activate":
      return await activate(request);
    case "wait":
      return await wait(request);
    case "confirm":
      return await confirm(request);
    case "revoke":
      return await revoke(request);
    case "query":
      return await query(request);
    case "check-health":
      return await checkHealth(request);
    case "run-job":
      return await workerMain(request.runDir);
    case "upload-secrets":
      return await uploadSecrets(request, profilePathOf(request.profile));
    case "secret-status":
      return secretStatus(request);
    case "drop-secret-backups":
      return dropSecretBackups(request);
  }
}

function profilePathOf(profile: ProfileRef): string {
  if ("path" in profile) return profile.path;
  const { user, name } = profile;
  const me = userInfo();
  if (me.username !== user) {
    throw new DeployError(`the profile belongs to ${user}, but the helper runs as ${me.username}`);
  }
  return resolveProfilePath({ user, name }, {
    nixStateDir: env("NIX_STATE_DIR") || "/nix/var/nix",
    home: me.homedir,
    isDirectory: (p) => {
      try {
        return Deno.statSync(p).isDirectory;
      } catch {
        return false;
      }
    },
    exists: (p) => {
      try {
        Deno.lstatSync(p);
        return true;
      } catch {
        return false;
      }
    },
  });
}

/** Messages of the helper itself where stdout carries JSON. */
function note(message: string): void {
  writeStderr(`[deploy-ts] ${message}\n`);
}

/**
 * `deploy query`: the profile's generations and the host's last record, as
 * JSON, after rolling back a run whose worker died (then named in `recovered`).
 */
async function query(request: QueryRequest): Promise<number> {
  const profilePath = profilePathOf(request.profile);
  const recovered = await recoverIfDead(profilePath, note);
  writeStdout(
    `${JSON.stringify({ ...describeProfile(profilePath), recovered: recovered ?? null })}\n`,
  );
  return 0;
}

/** The profile of the run in `runDir`, for the recovery check of `wait` and `confirm`. */
async function recoverRunOf(runDir: string): Promise<void> {
  let profilePath: string;
  try {
    profilePath = RunDir.open(runDir).readJob().profilePath;
  } catch {
    return; // RunDir.open's own message follows when the command opens it.
  }
  await recoverIfDead(profilePath, note);
}

function deployerOf(deployer: string | undefined): string {
  const connection = env("SSH_CONNECTION");
  return deployer ??
    `${userInfo().username}${connection ? ` from ${connection.split(" ")[0]}` : ""}`;
}

async function activate(request: ActivateRequest): Promise<number> {
  const { goal } = request;
  // Checked before anything starts: a malformed list changes nothing.
  const secrets = request.secrets === undefined ? undefined : parseUploads(request.secrets);
  return await startAndFollow(
    request.tempPath,
    {
      kind: "activate",
      closure: request.closure,
      profilePath: profilePathOf(request.profile),
      goal,
      autoRollback: request.autoRollback,
      // Boot and dry activations never wait for a confirmation.
      magicRollback: request.magicRollback && goal === "switch",
      confirmTimeout: request.confirmTimeout,
      activationTimeout: request.activationTimeout,
      deployer: deployerOf(request.deployer),
      ...(request.generation === undefined ? {} : { generation: request.generation }),
      ...(request.healthTimeout === undefined ? {} : {
        healthChecks: request.healthChecks === undefined
          ? {}
          : parseHostChecks(request.healthChecks),
        healthTimeout: request.healthTimeout,
        healthInterval: request.healthInterval,
      }),
    },
    secrets,
    request.keepSecretBackups,
  );
}

/** `deploy check-health`: every check once, now (`deploy check` on the deployer). */
async function checkHealth(request: CheckHealthRequest): Promise<number> {
  const checks = parseHostChecks(request.healthChecks);
  const results = await Promise.all(
    Object.entries(checks).map(([name, argv]) =>
      runCommandCheck(name, argv, request.healthTimeout * 1000)
    ),
  );
  writeStdout(`${JSON.stringify(results)}\n`);
  return 0;
}

async function wait(request: WaitRequest): Promise<number> {
  await recoverRunOf(request.runDir);
  return await followRun(RunDir.open(request.runDir), writeEvent);
}

async function confirm(request: ConfirmRequest): Promise<number> {
  // With interactive sudo the password line comes first and sudo reads it;
  // the token is the last line either way.
  const token = (await readStdin()).split("\n").map((l) => l.trim()).filter(Boolean).at(-1) ?? "";
  await recoverRunOf(request.runDir);
  writeStdout(`${await confirmCanary(request.runDir, token)}\n`);
  return 0;
}

async function revoke(request: RevokeRequest): Promise<number> {
  const { removeGeneration } = request;
  return await startAndFollow(request.tempPath, {
    kind: "revoke",
    profilePath: profilePathOf(request.profile),
    toGeneration: request.toGeneration,
    removeGeneration,
    // The generation the revoked run made is the one to remove: revoke only while it is active.
    expectGeneration: request.expectGeneration === undefined
      ? removeGeneration
      : request.expectGeneration,
    boot: request.boot,
    deployer: deployerOf(request.deployer),
    activationTimeout: request.activationTimeout,
  });
}

async function readStdin(): Promise<string> {
  let data = "";
  const text = new TextDecoder();
  try {
    for await (const chunk of Deno.stdin.readable) data += text.decode(chunk, { stream: true });
  } catch {
    // What arrived is what there is (as on a read error before).
  }
  return data + text.decode();
}
