/**
 * Where the built-in transport connects, and how: the answers OpenSSH would
 * give (`ssh -G`) for one destination, from ssh_config files and sshOpts.
 * sshOpts are read by ssh_opts.ts, the files found by config_files.ts and
 * evaluated by ssh_config_eval.ts (OpenSSH's readconf rules); this file adds
 * the defaults and `%` tokens, writes the host name as ssh does, and lets
 * option_policy.ts refuse what the transport cannot honour.
 */
import { asciiLower } from "./host_patterns.ts";
import { userInfo } from "node:os";
import process from "node:process";
import { configFiles, includedFiles } from "./config_files.ts";
import {
  jumpHops,
  parseJump,
  sshPort,
  validCommandLineHost,
  validCommandLineUser,
} from "./jump_hop.ts";
import {
  addressFamily,
  checkOptionLine,
  seconds,
  type StrictHostKeyChecking,
  strictHostKeyChecking,
  wholeNumber,
  yesNo,
} from "./option_values.ts";
import { canonicalHostName } from "./numeric_address.ts";
import { refuseUnsupported } from "./option_policy.ts";
import { evaluateConfig } from "./ssh_config_eval.ts";
import { SSH_CONFIG_KEYWORDS } from "./ssh_keywords.ts";
import type { ConfigSource } from "./ssh_opts.ts";
import { expandTilde, expandTokens } from "./ssh_tokens.ts";
import { DeployError, type ErrorContext } from "../../shared/errors.ts";

export type { StrictHostKeyChecking } from "./option_values.ts";

/** Everything the built-in transport needs to reach one host. */
export interface ResolvedHost {
  /** The name as given (node hostname or jump host), which `Host` patterns match. */
  alias: string;
  hostname: string;
  port: number;
  user: string;
  /** Identity files, `~` and tokens expanded, in the order OpenSSH tries them. */
  identityFiles: string[];
  identitiesOnly: boolean;
  /** The agent's socket; undefined for none. */
  identityAgent?: string;
  userKnownHostsFiles: string[];
  globalKnownHostsFiles: string[];
  hostKeyAlias?: string;
  strictHostKeyChecking: StrictHostKeyChecking;
  /** Whether a key recorded in known_hosts is written under a hashed name (`|1|salt|hash`). */
  hashKnownHosts: boolean;
  /** Seconds; undefined for the system's TCP timeout. */
  connectTimeout?: number;
  serverAliveInterval: number;
  serverAliveCountMax: number;
  /** Jump hosts, first hop first (`[user@]host[:port]`); empty for none. */
  proxyJump: string[];
  batchMode: boolean;
  /** Only IPv4 or IPv6 (AddressFamily, -4, -6); 0 for either. */
  family: 0 | 4 | 6;
}

export { parseJump } from "./jump_hop.ts";
export { type ConfigSource, parseSshOpts } from "./ssh_opts.ts";
export { configText } from "./config_files.ts";

function mapDefined<T, R>(v: T | undefined, f: (v: T) => R): R | undefined {
  return v === undefined ? undefined : f(v);
}

function asList(v: string[] | undefined): string[] {
  return v ?? [];
}
function asString(v: string[] | undefined): string | undefined {
  return v?.join(" ");
}

const DEFAULT_IDENTITIES = [
  "id_rsa",
  "id_ecdsa",
  "id_ecdsa_sk",
  "id_ed25519",
  "id_ed25519_sk",
  "id_xmss",
  "id_dsa",
];

/**
 * The options of `user@host` as OpenSSH would compute them (pure but for
 * reading the config files; tested against `ssh -G`). `destinationUser` is
 * the user of `user@host`.
 */
export function resolveHost(
  source: ConfigSource,
  alias: string,
  destinationUser: string | undefined,
  context: ErrorContext,
): ResolvedHost {
  try {
    return resolve(source, alias, destinationUser);
  } catch (e) {
    if (e instanceof DeployError) throw e;
    throw new DeployError(
      `ssh_config of ${alias}: ${(e as Error).message}`,
      context,
    );
  }
}

function resolve(
  source: ConfigSource,
  alias: string,
  destinationUser: string | undefined,
): ResolvedHost {
  const files = configFiles(source.configFile);
  // The login user as OpenSSH knows it while reading the files (-l, then
  // `-o User`, then user@host; otherwise the local user until a `User` line):
  // `Match user` is decided against it, not against whoever runs deploy-ts.
  const loginUser = source.user ?? destinationUser;
  // As ssh checks what its command line puts into `%` tokens.
  if (loginUser !== undefined && !validCommandLineUser(loginUser)) {
    throw new Error(`the user ${JSON.stringify(loginUser)} contains characters ssh refuses`);
  }
  if (!validCommandLineHost(alias)) {
    throw new Error(`the host name ${JSON.stringify(alias)} contains characters ssh refuses`);
  }
  const computed = evaluateConfig(files, {
    originalHost: alias,
    user: loginUser,
    localUser: userInfo().username,
    // Command-line options first: the first value of an option wins.
    commandLine: source.directives,
    include: includedFiles,
    keywords: SSH_CONFIG_KEYWORDS,
    check: checkOptionLine,
  });
  refuseUnsupported(computed);
  const get = (k: string) => asString(computed[k]);
  const hostnameRaw = get("hostname") ?? alias;
  const portText = source.port ?? get("port");
  const port = portText === undefined ? 22 : sshPort(portText);
  if (port === undefined) throw new Error(`Bad port '${portText}'`);
  const user = loginUser ?? get("user") ?? userInfo().username;
  // ssh expands only %h and %% in HostName, then lower-cases a name and
  // writes a numeric address in its one canonical form.
  if (/%[^h%]/.test(hostnameRaw.replace(/%%/g, ""))) {
    throw new Error(`HostName ${hostnameRaw}: only the tokens %h and %% are allowed in HostName`);
  }
  const familyNumber = addressFamily(get("addressfamily"));
  const hostname = canonicalHostName(
    hostnameRaw.replace(/%([h%])/g, (_, c: string) => c === "h" ? alias : "%"),
    familyNumber,
  );
  const t = { hostname, alias, port, user };
  // ssh expands tokens in UserKnownHostsFile, only `~` in GlobalKnownHostsFile.
  const knownHostsFiles = (k: string, dflt: string[], expand: (f: string) => string) => {
    const list = asList(computed[k]);
    if (list.some((f) => asciiLower(f) === "none")) {
      if (list.length === 1) return [];
      throw new Error(`${k}: none cannot stand beside other files`);
    }
    return (list.length ? list : dflt).map(expand);
  };
  const given = [...source.identityFiles, ...asList(computed.identityfile)];
  // `none` counts as given (no default identities) and names no file, as ssh skips it.
  const identityFiles = (given.length ? given : DEFAULT_IDENTITIES.map((f) => `~/.ssh/${f}`))
    .filter((f) => asciiLower(f) !== "none")
    .map((f) => expandTokens(f, t, "IdentityFile"));
  const strict = strictHostKeyChecking(get("stricthostkeychecking"));
  const agentRaw = get("identityagent");
  const identityAgent = agentRaw === undefined || agentRaw === "SSH_AUTH_SOCK"
    ? process.env.SSH_AUTH_SOCK || undefined
    : asciiLower(agentRaw) === "none"
    ? undefined
    : agentRaw.startsWith("$")
    ? process.env[agentRaw.slice(1)] || undefined
    : expandTokens(agentRaw, t, "IdentityAgent");
  const jump = source.jump ?? get("proxyjump");
  const proxyJump = jump === undefined ? [] : jumpHops(jump);
  checkJumps(source, proxyJump, { hostname, port, user });
  const batchMode = yesNo("BatchMode", get("batchmode"), false);
  return {
    alias,
    hostname,
    port,
    user,
    identityFiles,
    identitiesOnly: yesNo("IdentitiesOnly", get("identitiesonly"), false),
    identityAgent,
    userKnownHostsFiles: knownHostsFiles(
      "userknownhostsfile",
      ["~/.ssh/known_hosts", "~/.ssh/known_hosts2"],
      (f) => expandTokens(f, t, "UserKnownHostsFile"),
    ),
    globalKnownHostsFiles: knownHostsFiles(
      "globalknownhostsfile",
      ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"],
      expandTilde,
    ),
    // ssh lower-cases the alias as it does HostName.
    hostKeyAlias: mapDefined(get("hostkeyalias"), asciiLower),
    strictHostKeyChecking: strict,
    hashKnownHosts: yesNo("HashKnownHosts", get("hashknownhosts"), false),
    // As ssh: 0 is no timeout at all.
    connectTimeout: seconds("ConnectTimeout", get("connecttimeout"), undefined, true) || undefined,
    // As OpenSSH: BatchMode notices a dead server within minutes by default.
    serverAliveInterval: seconds(
      "ServerAliveInterval",
      get("serveraliveinterval"),
      batchMode ? 300 : 0,
    )!,
    serverAliveCountMax: wholeNumber("ServerAliveCountMax", get("serveralivecountmax"), 3),
    proxyJump,
    batchMode,
    family: familyNumber,
  };
}

/** The most jump hosts in a chain (a ProxyJump loop between hosts would never end). */
const MAX_JUMP_DEPTH = 16;

/**
 * The jumps ssh would refuse: tokens (ssh expands them in the jump command
 * it builds, the built-in transport does not), -J hops with characters its
 * command line refuses, a jump to the destination itself, and, as a guard
 * of its own, chains deeper than MAX_JUMP_DEPTH.
 */
function checkJumps(
  source: ConfigSource,
  hops: readonly string[],
  dest: { hostname: string; port: number; user: string },
): void {
  if (hops.length === 0) return;
  const parsed = hops.map(parseJump);
  const last = parsed[parsed.length - 1];
  // ssh expands tokens in the jump command it builds: in the earlier hops as
  // written, in the last one's user and host as read (an ssh:// user decoded).
  if (
    hops.slice(0, -1).some((h) => h.includes("%")) || last.host.includes("%") ||
    last.user?.includes("%")
  ) {
    throw new Error(
      `ProxyJump ${hops.join(",")}: % tokens in ProxyJump are not supported by the built-in ` +
        `transport; use --transport openssh`,
    );
  }
  if ((source.jumpDepth ?? 0) >= MAX_JUMP_DEPTH) {
    throw new Error(`more than ${MAX_JUMP_DEPTH} jump hosts in a chain (a ProxyJump loop?)`);
  }
  // ssh runs its jump command through /bin/sh with the hop's user and host
  // unquoted: one the shell would split or expand reaches someone else there.
  for (const h of parsed) {
    if (/[\s$`\\'"|;&<>(){}*?[\]~#!]/.test(`${h.user ?? ""}${h.host}`)) {
      throw new Error(
        `ProxyJump ${hops.join(",")}: a hop's user or host holds characters ssh's jump ` +
          `command would hand to the shell`,
      );
    }
  }
  if (source.jump !== undefined) {
    for (const h of parsed) {
      if (
        !validCommandLineHost(h.host) || (h.user !== undefined && !validCommandLineUser(h.user))
      ) {
        throw new Error(`-J ${source.jump}: a hop contains characters ssh refuses`);
      }
    }
  }
  if (
    last.host === dest.hostname && (last.port ?? 22) === dest.port &&
    (last.user ?? dest.user) === dest.user
  ) {
    throw new Error(`jumphost loop via ${last.host}`);
  }
}

/**
 * What a jump host is resolved against: the same -F file, but none of the
 * destination's other command-line options (not even -4, -6 or
 * AddressFamily), and the user, port and further hops of the ProxyJump
 * entry, as ssh builds the jump's own `ssh -l -p -J -F … -W`.
 */
export function jumpSource(
  source: ConfigSource,
  hop: { user?: string; port?: number },
  before: string[],
): ConfigSource {
  return {
    configFile: source.configFile,
    directives: [],
    identityFiles: [],
    user: hop.user,
    port: hop.port === undefined ? undefined : String(hop.port),
    jump: before.length ? before.join(",") : undefined,
    jumpDepth: (source.jumpDepth ?? 0) + 1,
  };
}
