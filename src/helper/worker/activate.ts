/**
 * An activation job, step by step: set the profile (a new generation of
 * the closure, or an existing generation), run its activation entry, then
 * the host's checks and, with magic rollback, the confirmation window.
 * Before the switch a failure changes nothing; after it, every failure
 * goes through `WorkerRun.failAfterSwitch`.
 */
import { pid } from "../host_os.ts";
import { MAX_TIMEOUT_SECONDS } from "../../shared/vocabulary.ts";
import type { ActivationJob } from "../run_dir.ts";
import { hostChecks } from "./host_checks.ts";
import type { Confirmation } from "./profile_ops.ts";
import { errorText, type WorkerRun } from "./worker_run.ts";

export async function activate(run: WorkerRun, job: ActivationJob): Promise<number> {
  const { ops } = run;
  const profile = job.profilePath;
  const previous = ops.currentGeneration();
  run.update({ phase: "setting", previousGeneration: previous ?? null });
  if (job.goal === "dry-activate") {
    run.update({ phase: "activating" });
    const dry = await ops.runEntry(job.closure, "dry-activate", job.activationTimeout);
    return dry.ok
      ? run.finish("dry-activated", "dry activation succeeded; nothing was changed")
      : run.finish("failed", `dry activation failed: ${dry.message}; nothing was changed`);
  }
  if (!ops.hasActivationEntry(job.closure, job.goal)) {
    return run.finish(
      "failed",
      `${job.closure} has no activation entry (deploy-ts-activate, deploy-rs-activate or bin/switch-to-configuration); nothing was changed`,
    );
  }
  const before = ops.listGenerations();
  if (job.generation !== undefined && !before.includes(job.generation)) {
    return run.finish(
      "failed",
      `${profile} has no generation ${job.generation}; nothing was changed`,
    );
  }
  // Durable before the profile or a secret changes: if this worker dies, the
  // next helper run rolls back (recover.ts), the secrets with it.
  markPending(run, job, previous, before);
  if (ops.hasSecrets("pre-activation")) {
    // An unknown owner fails here, before the switch (colmena #10).
    try {
      ops.writeSecrets("pre-activation");
    } catch (e) {
      return run.failBeforeSwitch(`${errorText(e)}; the profile was not switched`);
    }
  }
  // Only generations this run created are deleted on rollback; `nix-env --set`
  // reuses the newest generation when it already points to the closure.
  const createdSinceStart = () => ops.listGenerations().filter((g) => !before.includes(g));
  run.undo = {
    previous,
    remove: [],
    boot: job.goal === "boot",
    activationTimeout: job.activationTimeout,
  };
  return await switchAndActivate(run, job, previous, createdSinceStart);
}

function markPending(
  run: WorkerRun,
  job: ActivationJob,
  previous: number | undefined,
  before: number[],
): void {
  run.ops.markPending({
    runDir: run.runDir,
    pid,
    deployer: job.deployer,
    closure: job.closure,
    previousGeneration: previous ?? null,
    before,
    boot: job.goal === "boot",
    activationTimeout: job.activationTimeout,
    since: Date.now(),
  });
}

async function switchAndActivate(
  run: WorkerRun,
  job: ActivationJob,
  previous: number | undefined,
  createdSinceStart: () => number[],
): Promise<number> {
  const { ops } = run;
  const profile = job.profilePath;
  const undo = run.undo!;
  try {
    if (job.generation !== undefined) {
      run.say(`switching ${profile} to generation ${job.generation}`);
      await ops.switchProfile({ generation: job.generation });
    } else {
      run.say(`setting ${profile} to ${job.closure}`);
      await ops.switchProfile({ closure: job.closure });
    }
  } catch (e) {
    const why = `setting the profile failed: ${errorText(e)}`;
    undo.remove = createdSinceStart();
    if (undo.remove.length > 0 || ops.currentGeneration() !== previous) {
      return await run.failAfterSwitch(why);
    }
    return run.failBeforeSwitch(
      `${why}; ${
        previous === undefined
          ? "the profile still does not exist"
          : `generation ${previous} is still active`
      }`,
    );
  }
  const active = ops.currentGeneration();
  undo.remove = createdSinceStart();
  run.update({
    phase: "activating",
    newGeneration: active ?? null,
    createdGeneration: active !== undefined && undo.remove.includes(active) ? active : null,
  });
  // A profile that can (lib.activate.nixos) switches now and becomes the boot
  // default only once confirmed: a reboot in the window boots the old system.
  const bootAfterConfirm = job.goal === "switch" && job.magicRollback &&
    ops.defersBootDefault(job.closure);
  const entry = await ops.runEntry(
    profile,
    job.goal,
    job.activationTimeout,
    bootAfterConfirm ? { DEPLOY_TS_BOOT_AFTER_CONFIRM: "1" } : {},
  );
  if (!entry.ok) return await run.failAfterSwitch(entry.message, job.autoRollback);
  if (ops.hasSecrets("post-activation")) {
    // After the activation, which may have created their owners; a failure rolls back.
    try {
      ops.writeSecrets("post-activation");
    } catch (e) {
      return await run.failAfterSwitch(`${errorText(e)} (post-activation)`);
    }
  }
  if (job.goal === "boot") {
    run.keep();
    return run.finish("activated-for-boot", `generation ${active} is set for the next boot`);
  }
  if (!job.magicRollback) {
    const unhealthy = await hostChecks(run, job);
    if (unhealthy) return await run.failAfterSwitch(unhealthy, job.autoRollback);
    run.keep();
    return run.finish("activated", `generation ${active} is active`);
  }
  return await awaitConfirmed(run, job, active, bootAfterConfirm);
}

/** The confirmation window: the host's checks, then the token, then (deferred) the boot default. */
async function awaitConfirmed(
  run: WorkerRun,
  job: ActivationJob,
  active: number | undefined,
  bootAfterConfirm: boolean,
): Promise<number> {
  // The window covers the health checks too: confirmTimeout for the new
  // login, plus healthTimeout for the checks that come before it.
  // (At most what a timer can hold: a longer one would fire at once.)
  const windowSeconds = Math.min(
    job.confirmTimeout + (job.healthTimeout ?? 0),
    MAX_TIMEOUT_SECONDS,
  );
  const deadline = Date.now() + windowSeconds * 1000;
  const started = performance.now();
  run.update({ phase: "awaiting-confirmation", confirmDeadline: deadline });
  run.say(
    `generation ${active} is active; waiting ${windowSeconds}s for ${
      job.healthTimeout ? "health checks and " : ""
    }confirmation over a new connection`,
  );
  // No canary until the host's own checks passed: nothing, not even the
  // deployer's token, can confirm a generation this host finds unhealthy.
  // The checks end with the window at the latest: they run in process
  // groups that are killed at their limit, so none can hold the run past it.
  const unhealthy = await hostChecks(run, job, started + windowSeconds * 1000);
  if (unhealthy) return await run.failAfterSwitch(unhealthy);
  const confirmation = await run.ops.awaitConfirmation(
    Math.max(0, windowSeconds * 1000 - (performance.now() - started)),
  );
  if (confirmation !== "confirmed") {
    return await run.failAfterSwitch(notConfirmed(confirmation, windowSeconds));
  }
  if (bootAfterConfirm) {
    run.say(`confirmed; making generation ${active} the boot default`);
    const boot = await run.ops.runEntry(job.profilePath, "boot", job.activationTimeout);
    if (!boot.ok) {
      return await run.failAfterSwitch(
        `confirmed, but making it the boot default failed: ${boot.message}`,
      );
    }
  }
  run.keep();
  return run.finish("confirmed", `generation ${active} is active and confirmed`);
}

function notConfirmed(c: Exclude<Confirmation, "confirmed">, windowSeconds: number): string {
  return c === "vanished"
    ? "the canary disappeared from the run directory without a confirmation"
    : c === "expired"
    ? `no confirmation within ${windowSeconds}s`
    : "declined" in c
    ? `the deployer declined to confirm (${c.declined || "no reason given"})`
    : `waiting for the confirmation failed (${c.error})`;
}
