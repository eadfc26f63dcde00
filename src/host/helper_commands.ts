/**
 * The commands the deployer runs on a host, built and never run here
 * (pure; tested): each helper verb as `deploy COMMAND ARGS…` of the helper
 * package, and the offer a fresh connection hands the waiting worker, all
 * as the profile's user. The call itself (argv, and the request line for
 * stdin) comes from wire/requests.ts's encodeCall.
 */
import type { ProfilePlan } from "../config/plan.ts";
import { encodeOffer, type Offer, offerTokenArgv } from "../wire/offer.ts";
import { encodeCall, type HelperCall, type ProfileRef } from "../wire/requests.ts";
import { hostSideChecks } from "../shared/health_checks.ts";
import type { SecretUpload } from "../shared/secrets.ts";
import { elevationPrefix, needsPassword, stdinFor } from "./elevation.ts";
import { activationChecks } from "./health_gate.ts";
import type { ActivationMode, RevokeGenerations } from "./host.ts";

/** What the commands for one profile's host are built from. */
export interface CommandContext {
  /** The deploy-ts package on the host. */
  helper: string;
  /** Who is deploying (see deployerName), for the host's record. */
  deployer: string;
  /**
   * The sudo password, given only when sudo on this host asks for it for the
   * profile's user (HelperHost asks the host first): a sudo that does not ask
   * would leave it on the command's stdin.
   */
  password?: string;
}

/** A command for the host: its argv, and what goes to its stdin. */
export interface HostCommand {
  argv: string[];
  input?: string;
}

/** Which profile on the host: the explicit profilePath, else the user's profile of that name. */
function profileRef(plan: ProfilePlan): ProfileRef {
  return plan.profilePath !== undefined
    ? { path: plan.profilePath }
    : { user: plan.settings.user, name: plan.profile };
}

/**
 * A command run as the profile's user: through sudo when the user differs,
 * with the sudo password first on stdin only when that sudo asks for it (a
 * profile of the ssh user runs without sudo and never sees it), then the
 * command's own input.
 */
export function asProfileUser(
  plan: ProfilePlan,
  ctx: Pick<CommandContext, "password">,
  argv: readonly string[],
  input = "",
): HostCommand {
  const password = needsPassword(plan.settings) ? ctx.password : undefined;
  return {
    argv: [...elevationPrefix(plan.settings, password !== undefined), ...argv],
    input: stdinFor(password, input),
  };
}

/** `deploy COMMAND ARGS…` of the helper on the host, run as the profile's user. */
export function helperCommand(
  plan: ProfilePlan,
  ctx: Pick<CommandContext, "helper" | "password">,
  call: HelperCall,
): HostCommand {
  return asProfileUser(plan, ctx, [`${ctx.helper}/bin/deploy`, ...call.argv], call.stdin);
}

/** `deploy activate`; the host's checks go in the request line on stdin, never on argv. */
export function activateCommand(
  plan: ProfilePlan,
  ctx: Pick<CommandContext, "helper" | "deployer" | "password">,
  mode: ActivationMode,
): HostCommand {
  const s = plan.settings;
  const checks = activationChecks(plan, mode);
  const onHost = hostSideChecks(checks);
  const anyChecks = Object.keys(checks).length > 0;
  return helperCommand(
    plan,
    ctx,
    encodeCall("activate", {
      closure: mode.closure ?? plan.path,
      profile: profileRef(plan),
      tempPath: s.tempPath,
      confirmTimeout: s.confirmTimeout,
      activationTimeout: s.activationTimeout,
      magicRollback: s.magicRollback,
      autoRollback: s.autoRollback,
      goal: mode.goal,
      generation: mode.generation,
      deployer: ctx.deployer,
      secrets: mode.secrets?.length ? JSON.stringify(mode.secrets) : undefined,
      keepSecretBackups: mode.secrets?.length ? mode.keepSecretBackups === true : false,
      ...(anyChecks
        ? {
          healthChecks: Object.keys(onHost).length ? JSON.stringify(onHost) : undefined,
          healthTimeout: s.healthTimeout,
          healthInterval: s.healthInterval,
        }
        : {}),
    }),
  );
}

/** `deploy wait`: follow a run already under way (after the session that started it dropped). */
export function waitCommand(
  plan: ProfilePlan,
  ctx: Pick<CommandContext, "helper" | "password">,
  runDir: string,
): HostCommand {
  return helperCommand(plan, ctx, encodeCall("wait", { runDir }));
}

/** `deploy query`: the profile as its host sees it. */
export function queryCommand(
  plan: ProfilePlan,
  ctx: Pick<CommandContext, "helper" | "password">,
): HostCommand {
  return helperCommand(plan, ctx, encodeCall("query", { profile: profileRef(plan) }));
}

/** `deploy revoke`: back to the generation before this run, undoing only what it did. */
export function revokeCommand(
  plan: ProfilePlan,
  ctx: Pick<CommandContext, "helper" | "deployer" | "password">,
  generations: RevokeGenerations,
  boot: boolean,
): HostCommand {
  return helperCommand(
    plan,
    ctx,
    encodeCall("revoke", {
      profile: profileRef(plan),
      tempPath: plan.settings.tempPath,
      toGeneration: generations.previous,
      // Left out when unknown: the host then expects the generation it removes.
      expectGeneration: generations.activated ?? undefined,
      removeGeneration: generations.created ?? undefined,
      boot,
      deployer: ctx.deployer,
    }),
  );
}

/** `deploy check-health`: each host-side check once; the checks go on stdin, never on argv. */
export function checkHealthCommand(
  plan: ProfilePlan,
  ctx: Pick<CommandContext, "helper" | "password">,
  checks: Record<string, string[]>,
): HostCommand {
  return helperCommand(
    plan,
    ctx,
    encodeCall("check-health", {
      healthChecks: JSON.stringify(checks),
      healthTimeout: plan.settings.healthTimeout,
    }),
  );
}

/** The offer handed to the worker waiting in `runDir`, by a shell as the profile's user. */
export function offerCommand(
  plan: ProfilePlan,
  ctx: Pick<CommandContext, "password">,
  runDir: string,
  offer: Offer,
): HostCommand {
  return asProfileUser(plan, ctx, offerTokenArgv(runDir), encodeOffer(offer));
}

/** `deploy upload-secrets` (deploy secrets): the values go on stdin, never on argv. */
export function uploadSecretsCommand(
  plan: ProfilePlan,
  ctx: Pick<CommandContext, "helper" | "password">,
  uploads: SecretUpload[],
): HostCommand {
  return helperCommand(
    plan,
    ctx,
    encodeCall("upload-secrets", {
      profile: profileRef(plan),
      tempPath: plan.settings.tempPath,
      secrets: JSON.stringify(uploads),
    }),
  );
}

/** `deploy drop-secret-backups`: what a confirmed run's secrets replaced goes. */
export function dropSecretBackupsCommand(
  plan: ProfilePlan,
  ctx: Pick<CommandContext, "helper" | "password">,
  runDir: string,
): HostCommand {
  return helperCommand(plan, ctx, encodeCall("drop-secret-backups", { runDir }));
}

/** `deploy secret-status`: where each secret should be, with its owner and mode (no values). */
export function secretStatusCommand(
  plan: ProfilePlan,
  ctx: Pick<CommandContext, "helper" | "password">,
): HostCommand {
  const targets = Object.entries(plan.settings.secrets).map(([secret, s]) => ({
    secret,
    destDir: s.destDir,
    name: s.name,
    user: s.user,
    group: s.group,
    permissions: s.permissions,
    uploadAt: s.uploadAt,
  }));
  return helperCommand(
    plan,
    ctx,
    encodeCall("secret-status", { secrets: JSON.stringify(targets) }),
  );
}
