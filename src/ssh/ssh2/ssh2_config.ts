/**
 * Where the built-in transport connects, and how: the answers OpenSSH would
 * give (`ssh -G`) for one destination, from ssh_config files and sshOpts.
 * The files are evaluated by ssh_config_eval.ts (OpenSSH's readconf rules);
 * this file reads sshOpts and the files, adds the defaults and `%` tokens,
 * and refuses every option the built-in transport cannot honour, naming it:
 * an option silently ignored could change which host is reached or which
 * key is trusted.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { hostname as localHostname, userInfo } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import process from "node:process";
import { jumpHops, sshPort } from "./jump_hop.ts";
import { canonicalHostName } from "./numeric_address.ts";
import { type ConfigText, evaluateConfig } from "./ssh_config_eval.ts";
import { DeployError, type ErrorContext } from "../../shared/errors.ts";

/** The home OpenSSH uses for `~` and `%d`: the password database's, not $HOME. */
function homedir(): string {
  return userInfo().homedir;
}

export type StrictHostKeyChecking = "yes" | "ask" | "accept-new" | "no";

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

/** Where the configuration comes from: what a jump host is resolved against too. */
export interface ConfigSource {
  /** The -F file (`none`: no file at all), or undefined for ~/.ssh/config and /etc/ssh/ssh_config. */
  configFile?: string;
  /** Command-line options as ssh_config directives, in order (first one wins). */
  directives: [string, string][];
  /** -i files. */
  identityFiles: string[];
  /** The first of -l and -o User, in order (it wins over the destination's user). */
  user?: string;
  /** The first of -p and -o Port, in order. */
  port?: string;
  /** -J. */
  jump?: string;
}

/**
 * Options honoured (beside the ones ResolvedHost holds), or that change
 * nothing deploy-ts does: logging, known_hosts updates it never makes,
 * connection sharing (the built-in transport shares one connection anyway),
 * forwarding of agents and X11 (never requested), environment sent
 * (SendEnv: only what the server accepts, and deploy-ts relies on none),
 * authentication methods it does not use (it offers keys only).
 */
const HARMLESS = new Set([
  "loglevel",
  "visualhostkey",
  "updatehostkeys",
  "controlmaster",
  "controlpath",
  "controlpersist",
  "forwardagent",
  "forwardx11",
  "forwardx11trusted",
  "forwardx11timeout",
  "xauthlocation",
  "addkeystoagent",
  "sendenv",
  "escapechar",
  "compression",
  "tcpkeepalive",
  "gssapiauthentication",
  "gssapidelegatecredentials",
  "passwordauthentication",
  "kbdinteractiveauthentication",
  "challengeresponseauthentication",
  "hostbasedauthentication",
  "numberofpasswordprompts",
  "pubkeyauthentication",
  "requesttty",
  "permitlocalcommand",
  "exitonforwardfailure",
  "clearallforwardings",
  "ipqos",
  "verifyhostkeydns",
  "fingerprinthash",
  "enableescapecommandline",
  "obscurekeystroketiming",
  "sessiontype",
  "stdinnull",
  "forkafterauthentication",
  "preferredauthentications",
  "pubkeyacceptedalgorithms",
  "pubkeyacceptedkeytypes",
]);

/** Harmless only with these values (lower-cased); any other value is refused. */
const HARMLESS_VALUES: Record<string, string[]> = {
  proxycommand: ["none"],
  // CheckHostIP yes makes ssh refuse a host whose address's recorded key
  // differs; ignoring it would accept what ssh refuses.
  checkhostip: ["no", "false"],
  canonicalizehostname: ["no", "false"],
  localcommand: ["none"],
  pubkeyauthentication: ["yes", "true", "unbound", "host-bound"],
  requesttty: ["no", "auto", "false"],
  permitlocalcommand: ["no", "false"],
  forwardagent: ["no", "false"],
  forwardx11: ["no", "false"],
  sessiontype: ["default"],
  stdinnull: ["no", "false"],
  forkafterauthentication: ["no", "false"],
  knownhostscommand: ["none"],
  certificatefile: [],
  remotecommand: ["none"],
};

const HONOURED = new Set([
  "hostname",
  "port",
  "user",
  "identityfile",
  "identitiesonly",
  "identityagent",
  "userknownhostsfile",
  "globalknownhostsfile",
  "hostkeyalias",
  "stricthostkeychecking",
  "hashknownhosts",
  "connecttimeout",
  "serveraliveinterval",
  "serveralivecountmax",
  "proxyjump",
  "batchmode",
  "addressfamily",
]);

/** sshOpts flags without a value that change nothing for deploy-ts. */
const HARMLESS_FLAGS = new Set(["-q", "-v", "-vv", "-vvv", "-C", "-T", "-n", "-x", "-a"]);

/** Read sshOpts as ssh would (pure; tested). Anything else is an error naming it. */
export function parseSshOpts(sshOpts: readonly string[], context: ErrorContext): ConfigSource {
  const source: ConfigSource = { directives: [], identityFiles: [] };
  for (let i = 0; i < sshOpts.length; i++) {
    const word = sshOpts[i];
    const m = /^-([FipolJ])(.*)$/s.exec(word);
    if (m) {
      const value = m[2] !== "" ? m[2] : sshOpts[++i];
      if (value === undefined) {
        throw new DeployError(`sshOpts: ${word} needs a value`, { ...context, field: "sshOpts" });
      }
      switch (m[1]) {
        case "F":
          source.configFile = value; // ssh: the last -F counts
          break;
        case "i":
          source.identityFiles.push(value);
          break;
        case "p":
          source.port ??= value;
          break;
        case "l":
          source.user ??= value;
          break;
        case "J":
          // ssh: one -J, and none after an -o ProxyJump or ProxyCommand.
          if (source.jump !== undefined) {
            throw new DeployError(
              "sshOpts: only a single -J option is permitted (use commas to separate hops)",
              { ...context, field: "sshOpts" },
            );
          }
          if (source.directives.some(([k]) => /^proxy(jump|command)$/i.test(k))) {
            throw new DeployError("sshOpts: -J cannot follow -o ProxyJump or -o ProxyCommand", {
              ...context,
              field: "sshOpts",
            });
          }
          source.jump = value;
          // ...and a later -o ProxyCommand is ignored, as ssh ignores it.
          source.directives.push(["ProxyCommand", "none"]);
          break;
        case "o": {
          const o = /^\s*([A-Za-z0-9]+)\s*(?:=\s*|\s+)(.*)$/s.exec(value);
          if (!o) {
            throw new DeployError(`sshOpts: cannot read the option -o ${JSON.stringify(value)}`, {
              ...context,
              field: "sshOpts",
            });
          }
          source.directives.push([o[1], o[2].trim()]);
          // ssh: the first of -l and -o User wins, and of -p and -o Port.
          if (/^user$/i.test(o[1])) source.user ??= o[2].trim();
          if (/^port$/i.test(o[1])) source.port ??= o[2].trim();
          break;
        }
      }
      continue;
    }
    if (word === "-4" || word === "-6") {
      source.directives.push(["AddressFamily", word === "-4" ? "inet" : "inet6"]);
      continue;
    }
    if (HARMLESS_FLAGS.has(word)) continue;
    throw new DeployError(
      `sshOpts: the built-in SSH transport does not support ${JSON.stringify(word)} ` +
        `(it reads -F -i -p -l -J -o -4 -6); use --transport openssh for it`,
      { ...context, field: "sshOpts" },
    );
  }
  return source;
}

/**
 * A config file's text ("" when it does not exist). ssh refuses, as a whole,
 * a ~/.ssh/config or an included file that another user owns or that others
 * may write: such a file could say which key a host may have.
 */
export function configText(file: string, userConfig: boolean, checkOwner: boolean): ConfigText {
  if (!existsSync(file)) return { text: "", name: file, userConfig };
  if (checkOwner) {
    const st = statSync(file);
    if ((st.uid !== 0 && st.uid !== process.getuid?.()) || (st.mode & 0o022) !== 0) {
      throw new Error(`Bad owner or permissions on ${file}`);
    }
  }
  return { text: readFileSync(file, "utf8"), name: file, userConfig };
}

/** The files one Include argument names: `~` expanded, relative to ~/.ssh or /etc/ssh, globbed. */
function includedFiles(pattern: string, userConfig: boolean): ConfigText[] {
  const p = expandTilde(pattern);
  const base = userConfig ? join(homedir(), ".ssh") : "/etc/ssh";
  return expandGlob(isAbsolute(p) ? p : join(base, p)).map((f) => configText(f, userConfig, true));
}

/**
 * A glob of the last path component only (the common `config.d/*.conf`),
 * sorted; as glob(3), a wildcard never matches a leading dot. Character
 * classes are refused rather than read literally (a file not read could be
 * the one that pins a host's key).
 */
function expandGlob(path: string): string[] {
  if (path.includes("[")) {
    throw new Error(`Include ${path}: [...] in Include is not supported by the built-in transport`);
  }
  if (!/[*?]/.test(path)) return [path];
  const dir = dirname(path);
  if (/[*?]/.test(dir)) throw new Error(`Include ${path}: wildcards in directories are not read`);
  const re = new RegExp(
    `^${
      path.slice(dir.length + 1).replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")
        .replace(/\?/g, ".")
    }$`,
  );
  if (!existsSync(dir)) return [];
  const dotted = path.slice(dir.length + 1).startsWith(".");
  return readdirSync(dir).filter((f) => re.test(f) && (dotted || !f.startsWith("."))).sort()
    .map((f) => join(dir, f));
}

/** `~` and `~user` as OpenSSH's tilde_expand: homes from the password database. */
function expandTilde(path: string): string {
  const m = /^~([^/]*)(\/.*)?$/s.exec(path);
  if (!m) return path;
  const home = m[1] === "" ? homedir() : homeOf(m[1]);
  return m[2] === undefined || m[2] === "/" ? home : join(home, m[2].slice(1));
}

function homeOf(user: string): string {
  const entry = readFileSync("/etc/passwd", "utf8").split("\n").map((l) => l.split(":"))
    .find((f) => f[0] === user);
  if (!entry?.[5]) throw new Error(`~${user}: no such user in /etc/passwd`);
  return entry[5];
}

/** ssh_config's `%` tokens (those deploy-ts can know; others are refused). */
export function expandTokens(
  value: string,
  t: { hostname: string; alias: string; port: number; user: string },
  option: string,
): string {
  const local = userInfo();
  const expanded = value.replace(/%(.)/g, (all, c: string) => {
    switch (c) {
      case "%":
        return "%";
      case "d":
        return homedir();
      case "h":
        return t.hostname;
      case "n":
        return t.alias;
      case "p":
        return String(t.port);
      case "r":
        return t.user;
      case "u":
        return local.username;
      case "i":
        return String(local.uid);
      case "L":
        return localHostname().split(".")[0];
      case "l":
        return localHostname();
      default:
        throw new Error(`${option}: the token ${all} is not supported by the built-in transport`);
    }
  });
  return expandTilde(expanded.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, v: string) => {
    const env = process.env[v];
    if (env === undefined) throw new Error(`${option}: the environment variable ${v} is not set`);
    return env;
  }));
}

function asList(v: string[] | undefined): string[] {
  return v ?? [];
}
function asString(v: string[] | undefined): string | undefined {
  return v?.join(" ");
}

function yesNo(option: string, v: string | undefined, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  const l = v.toLowerCase();
  if (l === "yes" || l === "true") return true;
  if (l === "no" || l === "false") return false;
  throw new Error(`${option}: expected yes or no, found ${JSON.stringify(v)}`);
}

function count(option: string, v: string | undefined, dflt: number | undefined) {
  if (v === undefined || v.toLowerCase() === "none") return dflt;
  if (!/^[0-9]+$/.test(v)) {
    throw new Error(`${option}: expected a whole number, found ${JSON.stringify(v)}`);
  }
  return Number(v);
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

/** The files ssh reads: the -F file (which must exist), or the user's and the system's. */
function configFiles(configFile: string | undefined): ConfigText[] {
  if (configFile === undefined) {
    return [
      configText(join(homedir(), ".ssh", "config"), true, true),
      configText("/etc/ssh/ssh_config", false, false),
    ];
  }
  if (configFile.toLowerCase() === "none") return [];
  const file = expandTilde(configFile);
  if (!existsSync(file)) {
    throw new Error(`can't open user config file ${file}: no such file (-F)`);
  }
  return [configText(file, true, false)];
}

/** What ssh checks on every line, also in blocks that do not apply. */
function checkLine(keyword: string, args: string[], where: string): void {
  if (keyword === "port" && args[0] !== undefined && sshPort(args[0]) === undefined) {
    throw new Error(`${where}: Bad port '${args[0]}'`);
  }
  if (keyword === "proxyjump" && args[0] !== undefined) {
    try {
      jumpHops(args[0]);
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
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
  const computed: Record<string, string[] | undefined> = evaluateConfig(files, {
    originalHost: alias,
    user: loginUser,
    localUser: userInfo().username,
    // Command-line options first: the first value of an option wins.
    commandLine: source.directives,
    include: includedFiles,
    check: checkLine,
  });
  for (const [key, value] of Object.entries(computed)) {
    if (HONOURED.has(key)) continue;
    const allowed = HARMLESS_VALUES[key];
    const v = asString(value)?.toLowerCase() ?? "";
    if (allowed ? allowed.includes(v) : HARMLESS.has(key)) continue;
    throw new Error(
      `the option ${key} (${JSON.stringify(asString(value))}) is not supported by the built-in ` +
        `SSH transport; remove it for this host or use --transport openssh`,
    );
  }
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
  const family = (get("addressfamily") ?? "any").toLowerCase();
  const familyNumber = family === "inet" ? 4 : family === "inet6" ? 6 : 0;
  const hostname = canonicalHostName(
    hostnameRaw.replace(/%([h%])/g, (_, c: string) => c === "h" ? alias : "%"),
    familyNumber,
  );
  const t = { hostname, alias, port, user };
  const files_ = (k: string, dflt: string[]) => {
    const list = asList(computed[k]);
    if (list.length === 1 && list[0].toLowerCase() === "none") return [];
    return (list.length ? list : dflt).map((f) => expandTokens(f, t, k));
  };
  const given = [...source.identityFiles, ...asList(computed.identityfile)];
  const identityFiles = (given.length ? given : DEFAULT_IDENTITIES.map((f) => `~/.ssh/${f}`))
    .map((f) => expandTokens(f, t, "IdentityFile"));
  const strict = (get("stricthostkeychecking") ?? "ask").toLowerCase();
  const strictHostKeyChecking: StrictHostKeyChecking = strict === "yes" || strict === "true"
    ? "yes"
    : strict === "no" || strict === "false" || strict === "off"
    ? "no"
    : strict === "accept-new"
    ? "accept-new"
    : strict === "ask"
    ? "ask"
    : (() => {
      throw new Error(`StrictHostKeyChecking: unknown value ${JSON.stringify(strict)}`);
    })();
  const agentRaw = get("identityagent");
  const identityAgent = agentRaw === undefined || agentRaw === "SSH_AUTH_SOCK"
    ? process.env.SSH_AUTH_SOCK || undefined
    : agentRaw.toLowerCase() === "none"
    ? undefined
    : agentRaw.startsWith("$")
    ? process.env[agentRaw.slice(1)] || undefined
    : expandTokens(agentRaw, t, "IdentityAgent");
  const jump = source.jump ?? get("proxyjump");
  const batchMode = yesNo("BatchMode", get("batchmode"), false);
  return {
    alias,
    hostname,
    port,
    user,
    identityFiles,
    identitiesOnly: yesNo("IdentitiesOnly", get("identitiesonly"), false),
    identityAgent,
    userKnownHostsFiles: files_("userknownhostsfile", [
      "~/.ssh/known_hosts",
      "~/.ssh/known_hosts2",
    ]),
    globalKnownHostsFiles: files_("globalknownhostsfile", [
      "/etc/ssh/ssh_known_hosts",
      "/etc/ssh/ssh_known_hosts2",
    ]),
    // ssh lower-cases the alias as it does HostName.
    hostKeyAlias: get("hostkeyalias")?.toLowerCase(),
    strictHostKeyChecking,
    hashKnownHosts: yesNo("HashKnownHosts", get("hashknownhosts"), false),
    connectTimeout: count("ConnectTimeout", get("connecttimeout"), undefined),
    // As OpenSSH: BatchMode notices a dead server within minutes by default.
    serverAliveInterval: count(
      "ServerAliveInterval",
      get("serveraliveinterval"),
      batchMode ? 300 : 0,
    )!,
    serverAliveCountMax: count("ServerAliveCountMax", get("serveralivecountmax"), 3)!,
    proxyJump: jump === undefined ? [] : jumpHops(jump),
    batchMode,
    family: familyNumber,
  };
}

/**
 * What a jump host is resolved against: the same -F file, but none of the
 * destination's other command-line options, and the user, port and further
 * hops of the ProxyJump entry (as ssh builds the jump's own `ssh -J … -W`).
 */
export function jumpSource(
  source: ConfigSource,
  hop: { user?: string; port?: number },
  before: string[],
): ConfigSource {
  return {
    configFile: source.configFile,
    directives: source.directives.filter(([k]) => k.toLowerCase() === "addressfamily"),
    identityFiles: [],
    user: hop.user,
    port: hop.port === undefined ? undefined : String(hop.port),
    jump: before.length ? before.join(",") : undefined,
  };
}
