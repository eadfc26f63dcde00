/**
 * Which ssh_config options the built-in transport honours, which change
 * nothing it does, and the rest, refused by name: an option silently
 * ignored could change which host is reached or which key is trusted.
 */
import { asciiLower } from "./host_patterns.ts";
import type { ConfigOptions } from "./ssh_config_eval.ts";

/**
 * Options honoured (beside the ones ResolvedHost holds), or that change
 * nothing deploy-ts does: logging, known_hosts updates it never makes,
 * connection sharing (the built-in transport shares one connection anyway),
 * forwarding of agents and X11 (never requested), environment sent
 * (SendEnv: only what the server accepts, and deploy-ts relies on none),
 * authentication methods it does not use (it offers keys only).
 */
const HARMLESS = new Set([
  "ignoreunknown",
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

/** Throws for the first computed option that is neither honoured nor harmless. */
export function refuseUnsupported(computed: Readonly<ConfigOptions>): void {
  for (const [key, value] of Object.entries(computed)) {
    if (HONOURED.has(key)) continue;
    const allowed = HARMLESS_VALUES[key];
    const v = value.join(" ");
    if (allowed ? allowed.includes(asciiLower(v)) : HARMLESS.has(key)) continue;
    throw new Error(
      `the option ${key} (${JSON.stringify(v)}) is not supported by the built-in ` +
        `SSH transport; remove it for this host or use --transport openssh`,
    );
  }
}
