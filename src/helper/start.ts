/**
 * Starting a job from an SSH session: create the private run directory,
 * write the job, start the worker detached (`systemd-run` where systemd runs
 * and we are root, else a new session with `setsid`), then follow it.
 */
import { followRun, writeEvent } from "./follow.ts";
import { encodeRequest } from "../wire/requests.ts";
import type { ActivateRunEvent, RevokeRunEvent } from "../wire/protocol.ts";
import { type Job, RunDir } from "./run_dir.ts";
import { env, exists, findInPath, uid } from "./host_os.ts";
import type { SecretUpload } from "../shared/secrets.ts";
import { RunSecrets } from "./secrets/run_secrets.ts";

/** How to run this same program again, for the worker. */
export function selfArgv(): string[] {
  // The packaged launcher says where it is; that is the most robust way back.
  const bin = env("DEPLOY_TS_BIN");
  if (bin) return [bin];
  return [
    Deno.execPath(),
    "run",
    "-A",
    "--no-config",
    "--no-lock",
    decodeURIComponent(new URL(Deno.mainModule).pathname),
  ];
}

/** The worker's argv: through systemd-run where systemd runs and we are root, else as it is. */
function launcher(runDir: RunDir): { argv: string[]; viaSystemd: boolean } {
  const worker = [...selfArgv(), ...encodeRequest("run-job", { runDir: runDir.path })];
  const systemdRun = uid() === 0 && exists("/run/systemd/system")
    ? findInPath("systemd-run")
    : undefined;
  if (!systemdRun) return { argv: worker, viaSystemd: false };
  return {
    viaSystemd: true,
    argv: [
      systemdRun,
      `--unit=${runDir.path.split("/").pop()}`,
      "--collect",
      "--quiet",
      "--service-type=exec",
      `--property=StandardOutput=append:${runDir.logPath}`,
      `--property=StandardError=append:${runDir.logPath}`,
      `--setenv=PATH=${env("PATH") ?? ""}`,
      "--",
      ...worker,
    ],
  };
}

/**
 * Deno.Command cannot hand a child a file as its stdout: a shell opens the
 * run's log (createLog made it, 0600, in the private run directory) and
 * execs the launcher, which then writes there as it did with the log's fd.
 */
function withLog(argv: string[], logPath: string): string[] {
  return ["/bin/sh", "-c", 'exec "$@" >>"$0" 2>&1', logPath, ...argv];
}

/**
 * Why the worker cannot start, as Node's spawn said it (`spawn FILE ENOENT`),
 * before a shell that would only exit 127 is started for it.
 */
function cannotStart(file: string): string | undefined {
  // A bare name is looked up in PATH by the shell: not checked here.
  if (!file.includes("/")) return undefined;
  try {
    const st = Deno.statSync(file);
    if (!st.isFile || ((st.mode ?? 0o111) & 0o111) === 0) return `spawn ${file} EACCES`;
    return undefined;
  } catch (e) {
    return `spawn ${file} ${(e as { code?: string }).code ?? (e as Error).message}`;
  }
}

/**
 * The run's first event. An activation is confirmed with a fresh token,
 * issued here and sent only to the deployer; a revoke is never confirmed.
 */
async function runEvent(job: Job, runDir: RunDir): Promise<ActivateRunEvent | RevokeRunEvent> {
  return job.kind === "activate"
    ? { type: "run", runDir: runDir.path, token: await runDir.issueToken() }
    : { type: "run", runDir: runDir.path };
}

/** Start a job detached and follow it to its outcome; resolves to the exit code. */
export async function startAndFollow(
  tempPath: string,
  job: Job,
  secrets?: SecretUpload[],
  keepSecretBackups = false,
): Promise<number> {
  const runDir = RunDir.create(tempPath);
  runDir.writeJob(job);
  // The values stay in the private run directory until the outcome is final.
  if (secrets?.length) new RunSecrets(runDir.path).store(secrets, keepSecretBackups);
  writeEvent(await runEvent(job, runDir));
  runDir.createLog();
  const { argv, viaSystemd } = launcher(runDir);
  const failed = (why: string) =>
    // Before the worker ran, nothing on the host changed.
    runDir.writeStatus({
      phase: "done",
      outcome: "failed",
      message: `could not start the worker: ${why}`,
      pid: 0,
      profilePath: job.profilePath,
      closure: job.kind === "activate" ? job.closure : "",
      startedAt: Date.now(),
      updatedAt: Date.now(),
    });
  const unstartable = cannotStart(argv[0]);
  if (unstartable) {
    failed(unstartable);
  } else {
    try {
      const [sh, ...args] = withLog(argv, runDir.logPath);
      new Deno.Command(sh, {
        args,
        stdin: "null",
        stdout: "null",
        stderr: "null",
        cwd: "/",
        // Outside systemd: setsid(), so the end of the SSH session does not end it.
        detached: !viaSystemd,
      }).spawn().unref();
    } catch (e) {
      failed(`spawn /bin/sh ${(e as { code?: string }).code ?? (e as Error).message}`);
    }
  }
  return await followRun(runDir, writeEvent);
}
