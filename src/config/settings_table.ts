/**
 * Every deploy setting, declared once: its kind of value, its default, how it
 * merges, and its command-line flag. The flake schema, the defaults, the
 * command-line overrides and the plan's keys are all derived from this table,
 * so a new setting is one new row.
 *
 * Zod-free on purpose: the command line reads this table on every start
 * (`deploy --help`), and zod is loaded only when a flake is validated.
 */

import type { HealthChecks } from "../shared/health_checks.ts";
import type { BinaryCacheSetting } from "./binary_cache.ts";
import type { Secrets } from "../shared/secrets.ts";

/** The kinds of value a setting can hold; each has one schema and one type. */
export interface SettingKinds {
  /** A user name. */
  user: string;
  /** A command prefix such as `sudo -u`. */
  command: string;
  bool: boolean;
  /** A whole number of seconds (0 is accepted, as by deploy-rs; final_ranges.ts says where it may not apply). */
  seconds: number;
  /** A path (final_ranges.ts requires the one that applies to be absolute). */
  path: string;
  /** A list of arguments. */
  words: string[];
  /** How hosts are reached: the system `ssh` or the built-in SSH client. */
  transport: Transport;
  /** Named health checks (src/health_checks.ts). */
  healthChecks: HealthChecks;
  /** A binary cache closures go through (src/config/binary_cache.ts), or false. */
  binaryCache: BinaryCacheSetting;
  /** Named secrets for the host (src/shared/secrets.ts). */
  secrets: Secrets;
}

/** The ways of reaching a host (src/ssh/select.ts picks the implementation). */
export const TRANSPORTS = ["openssh", "ssh2"] as const;
export type Transport = (typeof TRANSPORTS)[number];
export type SettingKind = keyof SettingKinds;

/** Where a flag is listed in `deploy --help`. */
export type FlagGroup = "Connection:" | "Build:" | "Activation and rollback:";

export interface SettingSpec {
  kind: SettingKind;
  /** Used when no level sets it; absent where the default depends on other settings. */
  default?: SettingKinds[SettingKind];
  /**
   * `first`: profile over node over deploy; `concat`: profile ++ node ++ deploy (deploy-rs §2.3);
   * `byName`: named entries of every level, the profile's over the node's over deploy's.
   */
  merge: "first" | "concat" | "byName";
  /** The command-line override: commander's flag syntax and help; none for structured values. */
  flag?: { syntax: string; help: string; group: FlagGroup; negate?: string };
  /** What the value must be, in words, where the kind alone says too little. */
  expected?: string;
}

export const SETTINGS = {
  sshUser: {
    kind: "user",
    merge: "first",
    flag: { syntax: "--ssh-user <user>", help: "override sshUser", group: "Connection:" },
  },
  user: {
    kind: "user",
    merge: "first",
    flag: {
      syntax: "--profile-user <user>",
      help: "override user (the profile's owner)",
      group: "Connection:",
    },
  },
  sudo: {
    kind: "command",
    default: "sudo -u",
    merge: "first",
    flag: {
      syntax: "--sudo <cmd>",
      help: 'override sudo, the elevation prefix (default "sudo -u")',
      group: "Connection:",
    },
  },
  interactiveSudo: {
    kind: "bool",
    default: false,
    merge: "first",
    flag: {
      syntax: "--interactive-sudo <bool>",
      help: "override interactiveSudo",
      group: "Connection:",
    },
  },
  sshOpts: {
    kind: "words",
    default: [],
    merge: "concat",
    flag: {
      syntax: "--ssh-opts <opts>",
      help: "override sshOpts; split like a shell (quotes respected)",
      group: "Connection:",
    },
  },
  transport: {
    kind: "transport",
    default: "openssh",
    merge: "first",
    flag: {
      syntax: "--transport <name>",
      help: 'override transport: "openssh" (the system ssh) or "ssh2" (built in)',
      group: "Connection:",
    },
  },
  fastConnection: {
    kind: "bool",
    default: false,
    merge: "first",
    flag: {
      syntax: "--fast-connection <bool>",
      help: "override fastConnection (no substitution on the host)",
      group: "Connection:",
    },
  },
  autoRollback: {
    kind: "bool",
    default: true,
    merge: "first",
    flag: {
      syntax: "--auto-rollback <bool>",
      help: "override autoRollback",
      group: "Activation and rollback:",
    },
  },
  magicRollback: {
    kind: "bool",
    default: true,
    merge: "first",
    flag: {
      syntax: "--magic-rollback <bool>",
      help: "override magicRollback",
      group: "Activation and rollback:",
    },
  },
  confirmTimeout: {
    kind: "seconds",
    default: 30,
    merge: "first",
    flag: {
      syntax: "--confirm-timeout <seconds>",
      help: "override confirmTimeout",
      group: "Activation and rollback:",
    },
  },
  activationTimeout: {
    kind: "seconds",
    default: 240,
    merge: "first",
    flag: {
      syntax: "--activation-timeout <seconds>",
      help: "override activationTimeout",
      group: "Activation and rollback:",
    },
  },
  tempPath: {
    kind: "path",
    default: "/tmp",
    merge: "first",
    flag: {
      syntax: "--temp-path <path>",
      help: "override tempPath (where canaries live on the host)",
      group: "Activation and rollback:",
    },
  },
  healthChecks: {
    kind: "healthChecks",
    default: {},
    merge: "first",
  },
  healthTimeout: {
    kind: "seconds",
    default: 60,
    merge: "first",
    flag: {
      syntax: "--health-timeout <seconds>",
      help: "override healthTimeout (how long health checks may take to pass)",
      group: "Activation and rollback:",
    },
  },
  healthInterval: {
    kind: "seconds",
    default: 2,
    merge: "first",
    flag: {
      syntax: "--health-interval <seconds>",
      help: "override healthInterval (pause between attempts of a failing check)",
      group: "Activation and rollback:",
    },
  },
  secrets: {
    kind: "secrets",
    default: {},
    merge: "byName",
  },
  remoteBuild: {
    kind: "bool",
    default: false,
    merge: "first",
    // deploy-rs's `--remote-build` can only force remote builds on.
    flag: { syntax: "--remote-build", help: "build on the target hosts", group: "Build:" },
  },
  binaryCache: {
    kind: "binaryCache",
    default: false,
    merge: "first",
    flag: {
      syntax: "--binary-cache <uri>",
      help: "upload closures to this Nix store once; hosts fetch from it (README: Large fleets)",
      group: "Connection:",
      negate: "copy everything over SSH, whatever binaryCache says",
    },
  },
} as const satisfies Record<string, SettingSpec>;

export type SettingName = keyof typeof SETTINGS;
export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

/** Every setting of a profile, resolved, with defaults applied. */
export type ProfileSettings = {
  -readonly [K in SettingName]: SettingKinds[(typeof SETTINGS)[K]["kind"]];
};

/** Settings as one level of the flake (deploy, node or profile) may give them. */
export type GenericSettings = Partial<ProfileSettings>;

/** Command-line overrides, applied on top of the merged flake settings; `sshOpts` replaces the list. */
export type SettingOverrides = Partial<ProfileSettings>;

type Defaults = {
  -readonly [K in SettingName as (typeof SETTINGS)[K] extends { default: unknown } ? K : never]:
    ProfileSettings[K];
};

/** The defaults of every setting that has a fixed one. */
export const DEFAULTS: Defaults = Object.fromEntries(
  SETTING_NAMES.flatMap((k) => {
    const spec: SettingSpec = SETTINGS[k];
    return "default" in spec ? [[k, spec.default]] : [];
  }),
) as Defaults;

/** The key a setting has in the plan's TOML (deploy-rs's snake_case names). */
export function tomlKey(name: SettingName): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
