/**
 * Settings of one profile, merged as deploy-rs does (reference §2.3):
 * profile over node over deploy for single values, `sshOpts` concatenated
 * profile ++ node ++ deploy, then the command-line overrides on top.
 */
import { ConfigError } from "../errors.ts";
import type { SettingOverrides } from "../cli/flags.ts";
import type { GenericSettings } from "./schema.ts";

/** Every setting of a profile, resolved, with defaults applied. */
export interface ProfileSettings {
  sshUser: string;
  user: string;
  sudo: string;
  interactiveSudo: boolean;
  sshOpts: string[];
  fastConnection: boolean;
  autoRollback: boolean;
  magicRollback: boolean;
  confirmTimeout: number;
  activationTimeout: number;
  tempPath: string;
  remoteBuild: boolean;
}

export const DEFAULTS = {
  sudo: "sudo -u",
  interactiveSudo: false,
  fastConnection: false,
  autoRollback: true,
  magicRollback: true,
  confirmTimeout: 30,
  activationTimeout: 240,
  tempPath: "/tmp",
  remoteBuild: false,
} as const;

const SINGLE_VALUED = [
  "sshUser",
  "user",
  "sudo",
  "interactiveSudo",
  "fastConnection",
  "autoRollback",
  "magicRollback",
  "confirmTimeout",
  "activationTimeout",
  "tempPath",
  "remoteBuild",
] as const;

/**
 * Merge one profile's settings.
 * @param levels the profile's, the node's and the deploy output's settings, in that order
 * @param localUser the user running deploy-ts, the SSH user when none is set
 */
export function mergeSettings(
  levels: { profile: GenericSettings; node: GenericSettings; deploy: GenericSettings },
  overrides: SettingOverrides,
  localUser: string,
  where: { node: string; profile: string },
): ProfileSettings {
  const order = [levels.profile, levels.node, levels.deploy];
  const merged: Record<string, unknown> = {};
  for (const key of SINGLE_VALUED) {
    merged[key] = order.map((l) => l[key]).find((v) => v !== undefined && v !== null);
  }
  merged.sshOpts = order.flatMap((l) => l.sshOpts ?? []);
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) merged[key] = value;
  }
  // deploy-rs: the profile's user falls back to sshUser only when sshUser was
  // configured; defaulting both to the local user would silently deploy
  // root's profiles as whoever runs the deployer.
  const user = (merged.user ?? merged.sshUser) as string | undefined;
  if (user === undefined) {
    throw new ConfigError(
      "neither user nor sshUser is set; set one of them in the flake or pass --ssh-user / --profile-user",
      { ...where, field: "user" },
    );
  }
  return {
    sshUser: (merged.sshUser as string | undefined) ?? localUser,
    user,
    sudo: (merged.sudo as string | undefined) ?? DEFAULTS.sudo,
    interactiveSudo: (merged.interactiveSudo as boolean | undefined) ?? DEFAULTS.interactiveSudo,
    sshOpts: merged.sshOpts as string[],
    fastConnection: (merged.fastConnection as boolean | undefined) ?? DEFAULTS.fastConnection,
    autoRollback: (merged.autoRollback as boolean | undefined) ?? DEFAULTS.autoRollback,
    magicRollback: (merged.magicRollback as boolean | undefined) ?? DEFAULTS.magicRollback,
    confirmTimeout: (merged.confirmTimeout as number | undefined) ?? DEFAULTS.confirmTimeout,
    activationTimeout: (merged.activationTimeout as number | undefined) ??
      DEFAULTS.activationTimeout,
    tempPath: (merged.tempPath as string | undefined) ?? DEFAULTS.tempPath,
    remoteBuild: (merged.remoteBuild as boolean | undefined) ?? DEFAULTS.remoteBuild,
  };
}
