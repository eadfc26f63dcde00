/**
 * Settings of one profile, merged as deploy-rs does (reference §2.3):
 * profile over node over deploy for single values, `sshOpts` concatenated
 * profile ++ node ++ deploy, then the command-line overrides on top. What
 * each setting is and how it merges is declared in settings_table.ts.
 */
import { ConfigError } from "../errors.ts";
import {
  DEFAULTS,
  type GenericSettings,
  type ProfileSettings,
  SETTING_NAMES,
  type SettingName,
  type SettingOverrides,
  SETTINGS,
} from "./settings_table.ts";

export { DEFAULTS };
export type { GenericSettings, ProfileSettings, SettingOverrides };

type Levels = { profile: GenericSettings; node: GenericSettings; deploy: GenericSettings };

/** One setting's value from the levels and overrides, before defaults. */
function mergeOne<K extends SettingName>(
  name: K,
  order: readonly GenericSettings[],
  overrides: SettingOverrides,
): ProfileSettings[K] | undefined {
  const override = overrides[name];
  if (override !== undefined) return override;
  const given = order.map((level) => level[name]).filter((v) => v !== undefined && v !== null);
  if (SETTINGS[name].merge === "concat") {
    return given.flatMap((v) => v as string[]) as ProfileSettings[K];
  }
  return given[0];
}

/**
 * Merge one profile's settings.
 * @param levels the profile's, the node's and the deploy output's settings
 * @param localUser the user running deploy-ts, the SSH user when none is set
 */
export function mergeSettings(
  levels: Levels,
  overrides: SettingOverrides,
  localUser: string,
  where: { node: string; profile: string },
): ProfileSettings {
  const order = [levels.profile, levels.node, levels.deploy];
  const merged: GenericSettings = {};
  for (const name of SETTING_NAMES) assign(merged, name, mergeOne(name, order, overrides));
  // deploy-rs: the profile's user falls back to sshUser only when sshUser was
  // configured; defaulting both to the local user would silently deploy
  // root's profiles as whoever runs the deployer.
  const user = merged.user ?? merged.sshUser;
  if (user === undefined) {
    throw new ConfigError(
      "neither user nor sshUser is set; set one of them in the flake or pass --ssh-user / --profile-user",
      { ...where, field: "user" },
    );
  }
  return { ...DEFAULTS, ...merged, sshUser: merged.sshUser ?? localUser, user };
}

function assign<K extends SettingName>(
  into: GenericSettings,
  name: K,
  value: ProfileSettings[K] | undefined,
): void {
  if (value !== undefined) into[name] = value;
}
