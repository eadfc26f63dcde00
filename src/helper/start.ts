/**
 * Starting a job from an SSH session: create the private run directory,
 * write the job, start the worker detached (`systemd-run` where systemd runs
 * and we are root, else a new session with `setsid`), then follow it.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { followRun, writeEvent } from "./follow.ts";
import { encodeRequest } from "../wire/requests.ts";
import type { ActivateRunEvent, RevokeRunEvent } from "../wire/protocol.ts";
import { type Job, RunDir } from "./run_dir.ts";
import { denoRuntime } from "../process/runtime.ts";
import type { SecretUpload } from "../shared/secrets.ts";
import { RunSecrets } from "./secrets/run_secrets.ts";

/** How to run this same program again, for the worker. */
export function selfArgv(): string[] {
  // The packaged launcher says where it is; that is the most robust way back.
  const bin = process.env.DEPLOY_TS_BIN;
  if (bin) return [bin];
  const deno = denoRuntime;
  if (deno) {
    return [
      deno.execPath(),
      "run",
      "-A",
      "--no-config",
      "--no-lock",
      fileURLToPath(deno.mainModule),
    ];
  }
  return [process.execPath, process.argv[1]];
}

function detachedArgv(runDir: RunDir): { argv: string[]; viaSystemd: boolean } {
  const worker = [...selfArgv(), ...encodeRequest("run-job", { runDir: runDir.path })];
  const systemdRun = process.getuid?.() === 0 && existsSync("/run/systemd/system")
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
      `--setenv=PATH=${process.env.PATH ?? ""}`,
      "--",
      ...worker,
    ],
  };
}

function findInPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/**
 * The run's first event. An activation is confirmed with a fresh token,
 * issued here and sent only to the deployer; a revoke is never confirmed.
 */
function runEvent(job: Job, runDir: RunDir): ActivateRunEvent | RevokeRunEvent {
  return job.kind === "activate"
    ? { type: "run", runDir: runDir.path, token: runDir.issueToken() }
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
  writeEvent(runEvent(job, runDir));
  const log = runDir.openLog();
  const { argv, viaSystemd } = detachedArgv(runDir);
  const child = spawn(argv[0], argv.slice(1), {
    detached: !viaSystemd,
    stdio: ["ignore", log, log],
    cwd: "/",
  });
  child.on("error", (e) => {
    // Before the worker ran, nothing on the host changed.
    runDir.writeStatus({
      phase: "done",
      outcome: "failed",
      message: `could not start the worker: ${e.message}`,
      pid: 0,
      profilePath: job.profilePath,
      closure: job.kind === "activate" ? job.closure : "",
      startedAt: Date.now(),
      updatedAt: Date.now(),
    });
  });
  // Deno's child_process throws from unref() when the spawn failed; the
  // error event above records why, and the run ends "failed" with it.
  if (child.pid !== undefined) child.unref();
  return await followRun(runDir, writeEvent);
}
