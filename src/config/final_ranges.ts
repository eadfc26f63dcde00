/**
 * The range checks on a profile's settings as they finally apply, after the
 * levels are merged and the command-line flags are laid on top. The flake's
 * schema accepts every value deploy-rs's types accept (u16 timeouts from 0,
 * any string for users, sudo and tempPath); a value is refused only here,
 * when it is the one that would be used, and the message says where it came
 * from, so a flag that overrides a bad flake value makes the flake deploy
 * (deploy-rs's own "options-overriding" test flake sets confirmTimeout and
 * activationTimeout to 0 and overrides them on the command line).
 */
import { ConfigError } from "../shared/errors.ts";
import { shellSplit } from "../shared/shell_quote.ts";
import { DEFAULTS, type ProfileSettings, type SettingName } from "./settings_table.ts";

/** Where a setting's final value came from, in words: "flag --ssh-user", "the node", … */
export type Origins = Partial<Record<SettingName, string>>;

/**
 * Check the final settings of one profile; returns them, with values that
 * do not apply (a 0 timeout nothing waits on) replaced by their defaults.
 */
export function checkFinalSettings(
  s: ProfileSettings,
  origins: Origins,
  where: { node: string; profile: string },
): ProfileSettings {
  const refuse = (field: SettingName, why: string): never => {
    throw new ConfigError(
      `${JSON.stringify(s[field])} (from ${origins[field] ?? "the default"}) ${why}`,
      { ...where, field },
    );
  };
  for (const field of ["sshUser", "user"] as const) {
    // Both end up in argv (`ssh user@host`, `sudo -u user`): "-…" would be
    // read as an option, and an empty name is no user at all.
    if (s[field] === "") refuse(field, "is not a user name");
    if (s[field].startsWith("-")) {
      refuse(field, 'starts with "-", and ssh would read it as an option');
    }
  }
  if (s.user !== s.sshUser) {
    // deploy-rs uses sudo only to switch users, and so does deploy-ts.
    let words: string[] = [];
    try {
      words = shellSplit(s.sudo);
    } catch (e) {
      refuse("sudo", `cannot be split into words: ${(e as Error).message}`);
    }
    if (words.length === 0) {
      refuse("sudo", `is empty, but user ${s.user} differs from sshUser ${s.sshUser}`);
    }
  }
  // deploy-rs passes tempPath to the host as given; a relative one would be
  // read from whatever directory the login starts in, and the canaries with it.
  if (!s.tempPath.startsWith("/")) refuse("tempPath", "is not an absolute path");
  const out = { ...s };
  // A timeout of 0 is a u16 deploy-rs accepts; where something waits on it,
  // it means "fail at once" (the host rolls back before any confirmation can
  // arrive), so it is refused; where nothing waits on it, it has no meaning.
  const zero = (field: SettingName, why: string) =>
    refuse(field, `is 0 seconds, ${why}; give a whole number of seconds of 1 or more`);
  if (s.activationTimeout === 0) zero("activationTimeout", "so every activation would time out");
  if (s.confirmTimeout === 0) {
    if (s.magicRollback) zero("confirmTimeout", "so every deployment would roll back unconfirmed");
    out.confirmTimeout = DEFAULTS.confirmTimeout;
  }
  const checked = Object.keys(s.healthChecks).length > 0;
  for (const field of ["healthTimeout", "healthInterval"] as const) {
    if (s[field] !== 0) continue;
    if (checked) zero(field, "and the profile has health checks");
    out[field] = DEFAULTS[field];
  }
  return out;
}
