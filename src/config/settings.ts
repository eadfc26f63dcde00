/**
 * Settings of one profile, merged as deploy-rs does (reference §2.3):
 * profile over node over deploy for single values, `sshOpts` concatenated
 * profile ++ node ++ deploy, then the command-line overrides on top. What
 * each setting is and how it merges is declared in settings_table.ts.
 */
import { ConfigError } from "../shared/errors.ts";
import {
  DEFAULTS,
  type GenericSettings,
  type ProfileSettings,
  SETTING_NAMES,
  type SettingName,
  type SettingOverrides,
  SETTINGS,
  type SettingSpec,
} from "./settings_table.ts";
import { checkFinalSettings, type Origins } from "./final_ranges.ts";

export { DEFAULTS };
export type { GenericSettings, ProfileSettings, SettingOverrides };

type Levels = { profile: GenericSettings; node: GenericSettings; deploy: GenericSettings };

/** The flag that overrides a setting, as the user typed it. */
function flagName(name: SettingName): string {
  const spec: SettingSpec = SETTINGS[name];
  return spec.flag ? `flag ${spec.flag.syntax.split(" ")[0]}` : "the command line";
}

/** One setting's value from the levels and overrides, before defaults, and where it came from. */
function mergeOne<K extends SettingName>(
  name: K,
  order: readonly (readonly [string, GenericSettings])[],
  overrides: SettingOverrides,
): { value: ProfileSettings[K] | undefined; origin?: string } {
  const override = overrides[name];
  if (override !== undefined) return { value: override, origin: flagName(name) };
  const given = order.filter(([, level]) => level[name] !== undefined && level[name] !== null);
  if (SETTINGS[name].merge === "concat") {
    return {
      value: given.flatMap(([, level]) => level[name] as string[]) as ProfileSettings[K],
      origin: given.map(([where]) => where).join(" ++ ") || undefined,
    };
  }
  if (SETTINGS[name].merge === "byName") {
    // The least specific level first, so that a name set nearer the profile wins.
    return {
      value: Object.assign({}, ...given.map(([, level]) => level[name]).reverse()),
      origin: given.map(([where]) => where).join(" and ") || undefined,
    };
  }
  if (!given.length) return { value: undefined };
  const [origin, level] = given[0];
  return { value: level[name] as ProfileSettings[K], origin };
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
  const order = [
    [`the profile (nodes.${where.node}.profiles.${where.profile})`, levels.profile],
    [`the node (nodes.${where.node})`, levels.node],
    ["the top level of deploy", levels.deploy],
  ] as const;
  const merged: GenericSettings = {};
  const origins: Origins = {};
  for (const name of SETTING_NAMES) {
    const { value, origin } = mergeOne(name, order, overrides);
    assign(merged, name, value);
    if (origin !== undefined) origins[name] = origin;
  }
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
  if (merged.user === undefined) origins.user = `sshUser, from ${origins.sshUser}`;
  if (merged.sshUser === undefined) origins.sshUser = "the local user name";
  return checkFinalSettings(
    { ...DEFAULTS, ...merged, sshUser: merged.sshUser ?? localUser, user },
    origins,
    where,
  );
}

function assign<K extends SettingName>(
  into: GenericSettings,
  name: K,
  value: ProfileSettings[K] | undefined,
): void {
  if (value !== undefined) into[name] = value;
}
