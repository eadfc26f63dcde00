/**
 * The command-line flags that override settings, made from the settings
 * table (src/config/settings_table.ts): each setting's flag, its parser by
 * kind, and `--no-…` where a setting can be switched off (`--no-binary-cache`).
 */
import { InvalidArgumentError, Option } from "commander";
import { MAX_TIMEOUT_SECONDS } from "../shared/vocabulary.ts";
import { type BinaryCacheSetting, CACHE_URI_EXPECTED, isCacheUri } from "../config/binary_cache.ts";
import {
  type FlagGroup,
  SETTING_NAMES,
  type SettingKind,
  type SettingName,
  SETTINGS,
  type SettingSpec,
  type Transport,
  TRANSPORTS,
} from "../config/settings_table.ts";

/** deploy-rs's boolean overrides take exactly `true` or `false`. */
export function parseBool(value: string): boolean {
  if (value === "true") return true;
  if (value === "false") return false;
  throw new InvalidArgumentError("expected true or false.");
}

/** Commander's attribute for a setting's flag: `--profile-user` → `profileUser`. */
export function optionKey(name: SettingName): string {
  const spec: SettingSpec = SETTINGS[name];
  return spec.flag ? new Option(spec.flag.syntax).attributeName() : "";
}

/** The override flags of the settings listed under one heading of --help. */
export function settingOptions(group: FlagGroup): Option[] {
  return SETTING_NAMES.filter((name) => {
    const spec: SettingSpec = SETTINGS[name];
    return spec.flag?.group === group;
  }).flatMap((name) => {
    const spec: SettingSpec = SETTINGS[name];
    const option = new Option(spec.flag!.syntax, spec.flag!.help);
    const parse = KIND_PARSERS[spec.kind];
    // A flag without a value (`--remote-build`) can only switch its setting on.
    const set = parse && !option.isBoolean() ? option.argParser(parse) : option;
    // `--no-x` gives the setting false (commander's negation of `--x`).
    const off = spec.flag!.negate;
    return off ? [set, new Option(`--no-${option.name()}`, off)] : [set];
  });
}

/** How a flag's text becomes a setting's value, by kind (lists are split in toFlags). */
const KIND_PARSERS: Record<SettingKind, ((value: string) => unknown) | undefined> = {
  user: undefined,
  command: undefined,
  path: undefined,
  words: undefined,
  bool: parseBool,
  seconds: parseSeconds,
  transport: parseTransport,
  healthChecks: undefined,
  binaryCache: parseBinaryCache,
  secrets: undefined,
};

/** `--binary-cache URI`: the store to upload to, which hosts also fetch from. */
function parseBinaryCache(value: string): BinaryCacheSetting {
  if (!isCacheUri(value)) throw new InvalidArgumentError(`expected ${CACHE_URI_EXPECTED}.`);
  return { upload: value, url: value };
}

/** A transport's name, one of TRANSPORTS. */
function parseTransport(value: string): Transport {
  const t = TRANSPORTS.find((name) => name === value);
  if (!t) {
    throw new InvalidArgumentError(
      `expected ${TRANSPORTS.map((name) => `"${name}"`).join(" or ")}.`,
    );
  }
  return t;
}

/**
 * A timeout: a whole number of seconds that a timer can hold. 0 is a u16
 * deploy-rs accepts; whether it may apply is decided with the flake's
 * values (src/config/final_ranges.ts).
 */
function parseSeconds(value: string): number {
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError("expected a whole number of seconds (0 or more).");
  }
  const n = Number(value);
  if (n > MAX_TIMEOUT_SECONDS) {
    throw new InvalidArgumentError(`expected at most ${MAX_TIMEOUT_SECONDS} seconds.`);
  }
  return n;
}
