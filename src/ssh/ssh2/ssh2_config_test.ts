/**
 * The built-in transport's option resolution against OpenSSH's own answer
 * (`ssh -G`) for a table of ssh_config cases, where `ssh` exists.
 */
import assert from "node:assert/strict";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { run } from "../../process/run.ts";
import { DeployError } from "../../shared/errors.ts";
import {
  configText,
  jumpSource,
  parseJump,
  parseSshOpts,
  type ResolvedHost,
  resolveHost,
} from "./ssh2_config.ts";

const dir = mkdtempSync(join(tmpdir(), "deploy-ts-ssh2-config-test-"));
/** ssh expands `~` from the password database, whatever $HOME says. */
const homedir = () => userInfo().homedir;
const hasSsh = (await run(["ssh", "-V"])).code === 0;

interface Case {
  name: string;
  config: string;
  /** Extra files, by name in the case's directory (for Include). */
  files?: Record<string, string>;
  sshOpts?: string[];
  destination: string;
  /** Refused by the built-in transport, though ssh takes it (stricter, with the reason in the name). */
  refused?: RegExp;
  /** Refused by ssh (`ssh -G` fails) and by the built-in transport, with this message. */
  bothRefuse?: RegExp;
  /**
   * A known difference, kept on purpose (the reason): ssh refuses the file,
   * the built-in transport reads it. The row fails once either changes.
   */
  sshOnlyRefuses?: string;
  /** File modes and owners (uid) to set, by name in the case's directory. */
  modes?: Record<string, number>;
  owners?: Record<string, number>;
  /** Environment variables set while both read the case (CASEDIR expanded in values). */
  env?: Record<string, string>;
}

const CASES: Case[] = [
  {
    name: "HostName, Port, identity and known_hosts files of a Host block",
    config: `Host web
  HostName 10.0.0.5
  Port 2222
  IdentityFile ~/.ssh/deploy_key
  IdentitiesOnly yes
  UserKnownHostsFile /etc/deploy/known_hosts
  GlobalKnownHostsFile none
  HostKeyAlias web-key
  StrictHostKeyChecking yes
`,
    destination: "root@web",
  },
  {
    name: "first value wins, wildcards and negation, Host * at the end",
    config: `Host *.example.com !db.example.com
  Port 2200
  ConnectTimeout 7
Host db.example.com
  ServerAliveInterval 9
Host *
  Port 22
  ServerAliveInterval 15
  ServerAliveCountMax 4
  StrictHostKeyChecking accept-new
`,
    destination: "deploy@db.example.com",
  },
  {
    name: "the same config, the other host",
    config: `Host *.example.com !db.example.com
  Port 2200
  ConnectTimeout 7
Host *
  ServerAliveInterval 15
`,
    destination: "deploy@web.example.com",
  },
  {
    name: "sshOpts -p -i -o beat the config; -o's first value wins",
    config: `Host h
  HostName 192.0.2.1
  Port 2222
  IdentityFile /keys/from-config
  ConnectTimeout 3
`,
    sshOpts: [
      "-p",
      "2022",
      "-i",
      "KEYFILE",
      "-o",
      "ConnectTimeout=20",
      "-oConnectTimeout=30",
      "-o",
      "StrictHostKeyChecking no",
    ],
    destination: "root@h",
  },
  {
    name: "tokens: %h in HostName, %d %r %h %p in file names",
    config: `Host box
  HostName %h.internal
  IdentityFile %d/.ssh/%r-key
  UserKnownHostsFile ~/kh/%h-%p
`,
    destination: "alice@box",
  },
  {
    name: "ProxyJump from the config, and -J from sshOpts",
    config: `Host inner
  HostName 10.1.1.1
  ProxyJump bastion,ops@bastion2:2222
Host other
  HostName 10.1.1.2
`,
    destination: "root@inner",
  },
  {
    name: "-J overrides ProxyJump",
    config: `Host inner
  ProxyJump bastion
`,
    sshOpts: ["-J", "root@h2"],
    destination: "root@inner",
  },
  {
    name: "Include of another file and Match host",
    config: `Include INCLUDED
Match host 10.9.*
  Port 2299
`,
    files: {
      INCLUDED: `Host alias
  HostName 10.9.9.9
  BatchMode yes
`,
    },
    destination: "root@alias",
  },
  {
    name: "the user: -l over user@host over the config's User",
    config: "Host h\n  User carol\n",
    sshOpts: ["-l", "bob"],
    destination: "root@h",
  },
  {
    name: "the user: user@host over the config's User",
    config: "Host h\n  User carol\n",
    destination: "root@h",
  },
  {
    // Issue 18 (1): the login user decides `Match user`, not the local user.
    name: "Match user is the login user (user@host), not the local user",
    config: `Match user deploy
  StrictHostKeyChecking yes
  UserKnownHostsFile /etc/ssh/fleet_known_hosts
Match user root
  Port 2201
Host *
  StrictHostKeyChecking accept-new
`,
    destination: "deploy@h1",
  },
  {
    name: "Match user is the login user given by -l",
    config: `Match user deploy
  StrictHostKeyChecking yes
  UserKnownHostsFile /etc/ssh/fleet_known_hosts
Host *
  StrictHostKeyChecking accept-new
`,
    sshOpts: ["-l", "deploy"],
    destination: "root@h1",
  },
  {
    name: "Match user sees a User set earlier in the file",
    config: `Host h1
  User deploy
Match user deploy
  Port 2202
`,
    destination: "h1",
  },
  {
    // Issue 18 (6): `?` is exactly one character.
    name: "Host db? applies to db1 only, not to db",
    config: `Host db?
  Port 2203
Host d?
  Port 2204
`,
    destination: "root@db",
  },
  {
    name: "Host db? applies to db1",
    config: `Host db? !db2
  Port 2203
`,
    destination: "root@db1",
  },
  {
    // Issue 18 (6): a key the built-in transport records is hashed as ssh's would be.
    name: "HashKnownHosts yes of a Match user block, first value wins",
    config: `Match user deploy
  HashKnownHosts yes
Host *
  HashKnownHosts no
  StrictHostKeyChecking accept-new
`,
    destination: "deploy@h1",
  },
  {
    name: "HashKnownHosts from -o beats the config's",
    config: "Host *\n  HashKnownHosts no\n",
    sshOpts: ["-o", "HashKnownHosts=yes"],
    destination: "root@h1",
  },
  // Issue 18, found by attacking the ssh_config matching: each of these
  // applied a block to a host ssh does not apply it to.
  {
    name: "the destination as typed meets Host patterns case and all; HostName is lower-cased",
    config: "Host web\n  Port 2201\nHost WEB\n  HostName Web.Example.COM\n",
    destination: "root@WEB",
  },
  {
    name: "Host patterns in capitals name no lower-case host",
    config: "Host WEB?\n  Port 2203\nHost web*\n  Port 2204\n",
    destination: "root@web1",
  },
  {
    name: "Match host sees the HostName so far, originalhost the name as typed",
    config: `Host web
  HostName 10.0.0.5
Match host web
  UserKnownHostsFile /tmp/never
Match host 10.0.0.5
  Port 2299
Match originalhost WEB
  StrictHostKeyChecking yes
`,
    destination: "root@web",
  },
  {
    name: "Match host sees a HostName spelled in lower case, with %h expanded",
    config: "Host box\n  hostname %h.internal\nMatch host box.internal\n  Port 2298\n",
    destination: "root@box",
  },
  {
    name: "an Include inside a Host block applies only where the block does",
    config: `Host other
  Include INCLUDED
Host *
  Port 2200
`,
    files: { INCLUDED: "Host *\n  StrictHostKeyChecking no\n  Port 2201\n" },
    destination: "root@web",
  },
  {
    name: "the lines after an Include belong to the block the Include stands in",
    config: `Host web
  Include INCLUDED
  Port 2205
`,
    files: { INCLUDED: "Host db\n  User dbuser\n" },
    destination: "root@web",
  },
  {
    name: "top-level lines after an Include apply to every host",
    config: "Include INCLUDED\nPort 2206\n",
    files: { INCLUDED: "Host db\n  User dbuser\n" },
    destination: "root@web",
  },
  {
    name: "a comma in Host is part of the pattern, not a list",
    config: "Host web,db\n  Port 2207\n",
    destination: "root@web",
  },
  {
    name: "every Match criterion must hold, repeated ones too",
    config: `Match host web host db
  Port 2208
Match user deploy user root
  StrictHostKeyChecking no
Match host web user root
  UserKnownHostsFile /tmp/both
`,
    destination: "root@web",
  },
  {
    name: "a negated Match criterion",
    config: "Match !host db\n  Port 2209\nMatch !user root\n  StrictHostKeyChecking no\n",
    destination: "root@web",
  },
  {
    name: "? in a Match pattern is exactly one character",
    config: "Match host db?\n  Port 2210\n",
    destination: "root@db",
  },
  {
    name: "~user in a file name is that user's home",
    config: "Host h\n  UserKnownHostsFile ~root/kh\n",
    destination: "root@h",
  },
  {
    name: "CheckHostIP yes is refused (ssh would also check the address's recorded key)",
    config: "Host h\n  CheckHostIP yes\n",
    destination: "root@h",
    refused: /checkhostip/,
  },
  {
    name:
      "attack review: -l after -o User: ssh keeps the first (alice), Match user deploy not applied",
    config: "Match user deploy\n  StrictHostKeyChecking no\n",
    sshOpts: ["-o", "User=alice", "-l", "deploy"],
    destination: "root@web",
  },
  {
    name: "attack review: two -l: ssh keeps the first",
    config: "Match user deploy\n  StrictHostKeyChecking no\n",
    sshOpts: ["-l", "alice", "-l", "deploy"],
    destination: "root@web",
  },
  {
    name: "attack review: two -F: ssh reads the last",
    config: "Host *\n  StrictHostKeyChecking no\n",
    files: { pinned: "Host *\n  StrictHostKeyChecking yes\n  UserKnownHostsFile /etc/pinned\n" },
    sshOpts: ["-F", "CASEDIR/pinned"],
    destination: "root@web",
  },
  {
    name: "attack review: -p: ssh keeps the first -p, and an earlier -o Port",
    config: "Host web\n  Port 2222\n",
    sshOpts: ["-o", "Port=2000", "-p", "2022", "-p", "2023"],
    destination: "root@web",
  },
  {
    name: "attack review: HostKeyAlias is lower-cased by ssh",
    config: "Host web\n  HostKeyAlias WEB-Key\n",
    destination: "root@web",
  },
  {
    name: "attack review: Host with a single-quoted pattern: ssh applies the pinned block",
    config: "Host 'web'\n  StrictHostKeyChecking yes\n  UserKnownHostsFile /etc/pinned\n",
    destination: "root@web",
  },
  {
    name: "attack review: UserKnownHostsFile single-quoted: ssh reads /etc/pinned",
    config: "Host web\n  UserKnownHostsFile '/etc/pinned'\n",
    destination: "root@web",
  },
  {
    name: "attack review: ProxyCommand none before ProxyJump: ssh ignores the ProxyJump",
    config: "Host web\n  ProxyCommand none\nHost *\n  ProxyJump bastion\n",
    destination: "root@web",
  },
  {
    name: "attack review: Include *hidden does not match a dot file (glob(3))",
    config: "Include CASEDIR/*hidden\n",
    files: { ".hidden": "Host *\n  StrictHostKeyChecking no\n" },
    destination: "root@web",
  },
  {
    name: "attack review: Include with a [..] class is refused (ssh would glob it)",
    config: "Include CASEDIR/pin[0-9]\n",
    files: { pin1: "Host web\n  StrictHostKeyChecking yes\n  UserKnownHostsFile /etc/pinned\n" },
    destination: "root@web",
    refused: /\[\.\.\.\] in Include/,
  },
  {
    name: "attack review: HostName 127.1 is 127.0.0.1 to ssh (the name known_hosts is asked for)",
    config: "Host web\n  HostName 127.1\n",
    destination: "root@web",
  },
  {
    name: "attack review: an IPv6 long form is written as ssh writes it",
    config: "",
    destination: "root@2001:DB8:0:0::1",
  },
  {
    name: "attack review: an octal part of an address (127.010.0.1 is 127.8.0.1)",
    config: "Host web\n  HostName 127.010.0.1\n",
    destination: "root@web",
  },
  {
    name: "attack review: an included file others may write is refused as ssh refuses it",
    config: "Include CASEDIR/pins\n",
    files: { pins: "Host web\n  StrictHostKeyChecking yes\n" },
    modes: { pins: 0o666 },
    destination: "root@web",
    bothRefuse: /Bad owner or permissions on .*pins/,
  },
  {
    name: "attack review: an included file of another owner is refused as ssh refuses it",
    config: "Include CASEDIR/pins\n",
    files: { pins: "Host web\n  StrictHostKeyChecking yes\n" },
    owners: { pins: 65534 },
    destination: "root@web",
    bothRefuse: /Bad owner or permissions on .*pins/,
  },
  {
    name: "attack review: a writable include in a block that does not apply is refused too",
    config: "Host other\n  Include CASEDIR/pins\n",
    files: { pins: "Host *\n  Port 2222\n" },
    modes: { pins: 0o666 },
    destination: "root@web",
    bothRefuse: /Bad owner or permissions/,
  },
  {
    name:
      "a group-writable include is refused (upstream ssh refuses it; Debian's accepts it when the group has only its owner)",
    config: "Include CASEDIR/pins\n",
    files: { pins: "Host *\n  Port 2222\n" },
    modes: { pins: 0o664 },
    destination: "root@web",
    refused: /Bad owner or permissions/,
  },
  {
    name: "attack review: a writable include's lines never apply where its block does not",
    config: "Host other\n  Include CASEDIR/pins\n",
    files: { pins: "Host *\n  Port 2222\n" },
    destination: "root@web",
  },
  {
    name: "attack review: a missing -F file is an error",
    config: "",
    sshOpts: ["-F", "CASEDIR/missing"],
    destination: "root@web",
    bothRefuse: /can't open user config file .*missing/,
  },
  {
    name: "attack review: -F none reads no file",
    config: "Host *\n  Port 2222\n",
    sshOpts: ["-F", "none"],
    destination: "root@web",
  },
  {
    name:
      "attack review: ProxyJump ssh:// URIs (user decoded, parameters and a trailing dot dropped)",
    config: "Host web\n  ProxyJump x,ssh://u%41;x=1@b.example.:2200\n",
    destination: "root@web",
  },
  {
    name: "attack review: ProxyJump a@b@c:, the user is up to the last @, an empty port is none",
    config: "Host web\n  ProxyJump a@b@c:,d:ssh\n",
    destination: "root@web",
  },
  {
    name: "attack review: ProxyJump ssh:// with a path is refused by ssh",
    config: "Host web\n  ProxyJump ssh://b/path\n",
    destination: "root@web",
    bothRefuse: /Invalid ProxyJump/,
  },
  {
    name: "attack review: ProxyJump c:0 is refused by ssh",
    config: "Host web\n  ProxyJump c:0\n",
    destination: "root@web",
    bothRefuse: /Invalid ProxyJump/,
  },
  {
    name: "attack review: a bad ProxyJump in a block that does not apply is refused by ssh",
    config: "Host other\n  ProxyJump c/x\n",
    destination: "root@web",
    bothRefuse: /line 2: Invalid ProxyJump/,
  },
  {
    name: "attack review: Port 22#x in a block that does not apply is refused by ssh",
    config: "Host other\n  Port 22#x\n",
    destination: "root@web",
    bothRefuse: /line 2: Bad port '22#x'/,
  },
  {
    name: "attack review: -o Port=70000 is refused by ssh",
    config: "",
    sshOpts: ["-o", "Port=70000"],
    destination: "root@web",
    bothRefuse: /Bad port '70000'/,
  },
  {
    name: "attack review: Port ssh is the service's port",
    config: "Host web\n  Port ssh\n",
    destination: "root@web",
  },
  {
    name: "attack review: -J after -o ProxyJump is refused by ssh",
    config: "",
    sshOpts: ["-o", "ProxyJump=a", "-J", "b"],
    destination: "root@web",
    bothRefuse: /-J cannot follow/,
  },
  {
    name: "attack review: two -J are refused by ssh",
    config: "",
    sshOpts: ["-J", "a", "-J", "b"],
    destination: "root@web",
    bothRefuse: /single -J/,
  },
  {
    name: "attack review: -o ProxyJump after -J is ignored by ssh",
    config: "",
    sshOpts: ["-J", "b", "-o", "ProxyJump=a"],
    destination: "root@web",
  },
  {
    name: "attack review: an empty Host pattern is refused by ssh",
    config: 'Host ""\n  Port 2222\n',
    destination: "root@web",
    bothRefuse: /empty Host pattern/,
  },
  // Issue 18 attack (second round): each row below is a difference from
  // ssh -G (OpenSSH 9.2p1 Debian-2+deb12u10) found against 8579a48/f542f03.
  {
    name:
      "attack 2: GlobalKnownHostsFile is not %-expanded by ssh (it reads the file named /etc/ssh/kh/%h)",
    config: "Host web\n  GlobalKnownHostsFile /etc/ssh/kh/%h\n  StrictHostKeyChecking yes\n",
    destination: "root@web",
  },
  {
    name: "attack 2: GlobalKnownHostsFile ${VAR} is not expanded by ssh",
    config: "Host web\n  GlobalKnownHostsFile ${ATTACK_KH}/pins\n",
    env: { ATTACK_KH: "/etc/ssh" },
    destination: "root@web",
  },
  {
    name:
      "attack 2: UserKnownHostsFile ${VAR} whose value starts with ~: ssh expands ~ first, so reads ./~/...",
    config: "Host web\n  UserKnownHostsFile ${ATTACK_KH}\n",
    env: { ATTACK_KH: "~/.ssh/fleet_known_hosts" },
    destination: "root@web",
  },
  {
    name: "attack 2: UserKnownHostsFile ~%u/kh: ssh's tilde comes first and fails (no user %u)",
    config: "Host web\n  UserKnownHostsFile ~%u/kh\n",
    destination: "root@web",
    bothRefuse: /%u/,
  },
  {
    name: "attack 2: UserKnownHostsFile none with another file is refused by ssh",
    config: "Host web\n  UserKnownHostsFile none CASEDIR/kh\n",
    destination: "root@web",
    bothRefuse: /none/,
  },
  {
    name: "attack 2: Include ~/... globs with $HOME (GLOB_TILDE), not the password database's home",
    config: "Include ~/pins\n",
    files: { pins: "Host web\n  StrictHostKeyChecking yes\n  UserKnownHostsFile /etc/pinned\n" },
    env: { HOME: "CASEDIR" },
    destination: "root@web",
  },
  {
    name: "attack 2: a relative Include of a user file is $HOME/.ssh/..., as glob's ~ is $HOME",
    config: "Include pins\n",
    files: {
      ".ssh/pins": "Host web\n  StrictHostKeyChecking yes\n  UserKnownHostsFile /etc/pinned\n",
    },
    env: { HOME: "CASEDIR" },
    destination: "root@web",
  },
  {
    name: "attack 2: a backslash in an Include path is glob's escape (p\\ins is the file pins)",
    config: "Include CASEDIR/p\\ins\n",
    files: { pins: "Host web\n  StrictHostKeyChecking yes\n  UserKnownHostsFile /etc/pinned\n" },
    destination: "root@web",
  },
  {
    name: "attack 2: -F ~/... is not ~-expanded by ssh (it cannot open the file)",
    config: "",
    files: { other: "Host *\n  StrictHostKeyChecking no\n" },
    sshOpts: ["-F", "~/../CASEDIR/other"],
    destination: "root@web",
    bothRefuse: /can't open/i,
  },
  {
    name: "attack 2: ProxyJump's value ends at the first blank for ssh (a b is the hop a)",
    config: "Host web\n  ProxyJump a b\n",
    destination: "root@web",
  },
  {
    name: "attack 2: ProxyJump b: 2222 is the hop b (no port) for ssh",
    config: "Host web\n  ProxyJump b: 2222\n",
    destination: "root@web",
  },
  {
    name: "attack 2: HostKeyAlias with two words is refused by ssh (extra arguments)",
    config: "Host web\n  HostKeyAlias a b\n",
    destination: "root@web",
    bothRefuse: /HostKeyAlias|extra/i,
  },
  {
    name: "attack 2: HostName with two words is refused by ssh (extra arguments)",
    config: "Host web\n  HostName 10.0.0.1 10.0.0.2\n",
    destination: "root@web",
    bothRefuse: /HostName|extra/i,
  },
  {
    name:
      "attack 2: a bad StrictHostKeyChecking value in a block that does not apply is refused by ssh",
    config: "Host other\n  StrictHostKeyChecking bogus\n",
    destination: "root@web",
    bothRefuse: /bogus|StrictHostKeyChecking/i,
  },
  {
    name: "attack 2: an unknown keyword in a block that does not apply is refused by ssh",
    config: "Host other\n  NoSuchOption yes\n",
    destination: "root@web",
    bothRefuse: /nosuchoption/i,
  },
  {
    name: "attack 2: -J with shell metacharacters in the user is refused by ssh (Debian deb12u10)",
    config: "",
    sshOpts: ["-J", "u;x@h"],
    destination: "root@web",
    bothRefuse: /u;x/,
  },
  {
    name:
      'attack 2: a quoted keyword ("Host" *) is a Host line to ssh (strdelim), so the pins below apply',
    config:
      'Host nothing\n"Host" *\n  StrictHostKeyChecking yes\n  UserKnownHostsFile /etc/pinned\n',
    destination: "root@web",
  },
  {
    name: "attack 2: a form feed is no blank to ssh: Host \\f* names no host web",
    config: "Host \f*\n  StrictHostKeyChecking no\n",
    destination: "root@web",
  },
  {
    name: "attack 2: Host\\f* is an unknown keyword to ssh, which refuses the file",
    config: "Host other\nHost\f*\n  StrictHostKeyChecking no\n",
    destination: "root@web",
    bothRefuse: /host/i,
  },
  {
    name: "attack 2: a NUL ends ssh's line (Host web\\0x is Host web), so the pins below apply",
    config: "Host web\u0000x\n  StrictHostKeyChecking yes\n  UserKnownHostsFile /etc/pinned\n",
    destination: "root@web",
  },
  {
    name:
      "attack 2: ssh lower-cases ASCII only: HostKeyAlias \u212AEY-alias (Kelvin sign) is not key-alias",
    config: "Host web\n  HostKeyAlias \u212AEY-alias\n",
    destination: "root@web",
  },
  {
    name: "attack 2: ssh lower-cases ASCII only: HostName \u212Aey.example is not key.example",
    config: "Host web\n  HostName \u212Aey.example\n",
    destination: "root@web",
  },
  {
    name: "attack 2: Match host \u212A* (Kelvin sign) does not name key for ssh",
    config: "Match host \u212A*\n  StrictHostKeyChecking no\n",
    destination: "root@key",
  },
  {
    name: "attack 2: a ProxyJump to the destination itself is a loop ssh refuses",
    config: "Host web\n  ProxyJump web\n",
    destination: "root@web",
    bothRefuse: /loop/,
  },
  {
    name: "attack 2: AddressFamily with an unknown value is refused by ssh (ours reads it as any)",
    config: "Host web\n  AddressFamily bogus\n",
    destination: "root@web",
    bothRefuse: /AddressFamily|bogus/i,
  },
  {
    name:
      "attack 2: Match final in an include that does not apply still makes ssh read the files again, Match host then seeing 127.0.0.1",
    config:
      "Host nothing\n  Include CASEDIR/final\nMatch host 127.0.0.1\n  StrictHostKeyChecking yes\n  UserKnownHostsFile /etc/pinned\n",
    files: { final: "Match final\n  Port 2999\n" },
    destination: "root@127.1",
    refused: /Match final is not supported/,
  },
  {
    name:
      "attack 2: Match final in an include that does not apply: the second pass's Match host sees the lower-cased name",
    config: "Host nothing\n  Include CASEDIR/final\nMatch host web\n  StrictHostKeyChecking yes\n",
    files: { final: "Match final\n  Port 2999\n" },
    destination: "root@WEB",
    refused: /Match final is not supported/,
  },
  {
    name:
      "attack 2: ssh expands %h in the jump command it builds (bastion-%h is bastion-web): tokens in ProxyJump are refused",
    config: "Host web\n  ProxyJump bastion-%h\nHost bastion-*\n  HostName 10.0.0.99\n",
    destination: "root@web",
    refused: /% tokens in ProxyJump are not supported/,
  },
  // Issue 18 attack (third round): each row below is a difference from
  // ssh -G (OpenSSH 9.2p1 Debian-2+deb12u10) found against b2b74f3.
  {
    name:
      "attack 3: Match host lower-cases the host too (match_hostname): Match host web applies to WEB for ssh",
    config: "Match host web\n  StrictHostKeyChecking yes\n  UserKnownHostsFile /etc/pinned\n",
    destination: "root@WEB",
  },
  {
    name:
      "attack 3: Match originalhost lower-cases the host too: Match originalhost web applies to WEB",
    config: "Match originalhost web\n  HostName 10.0.0.5\n  StrictHostKeyChecking yes\n",
    destination: "root@WEB",
  },
  {
    name:
      "attack 3: Match arguments are split by strdelim, not argv_split: Match host 'web' is the pattern 'web' (quotes and all) for ssh",
    config: "Match host 'web'\n  HostName 10.9.9.9\n  StrictHostKeyChecking no\n",
    destination: "root@web",
  },
  {
    name: "attack 3: Match user 'root' is the pattern 'root' (quotes and all) for ssh",
    config: "Match user 'root'\n  StrictHostKeyChecking no\n",
    destination: "root@web",
  },
  {
    name: "attack 3: Match !host 'web' applies to web for ssh (the quoted pattern names no host)",
    config: "Match !host 'web'\n  StrictHostKeyChecking yes\n  UserKnownHostsFile /etc/pinned\n",
    destination: "root@web",
  },
  {
    name:
      'attack 3: Match host w"e"b is a bad Match condition for ssh (strdelim ends the word at the quote)',
    config: 'Match host w"e"b\n  StrictHostKeyChecking no\n',
    destination: "root@web",
    bothRefuse: /Match|criteria|condition/i,
  },
  {
    name: 'attack 3: Match host "" is a bad Match condition for ssh (missing criteria)',
    config: 'Match host ""\n  Port 2222\n',
    destination: "root@web",
    bothRefuse: /Match|criteria|condition/i,
  },
  {
    name: "attack 3: Match host web=x is a bad Match condition for ssh (strdelim splits at =)",
    config: "Match host web=x\n  Port 2222\n",
    destination: "root@web",
    bothRefuse: /Match|criteria|condition/i,
  },
  {
    name:
      "attack 3: Match host we\\ b is a bad Match condition for ssh (no backslash escapes in Match)",
    config: "Match host we\\ b\n  Port 2222\n",
    destination: "root@web",
    bothRefuse: /Match|criteria|condition/i,
  },
  {
    name: "attack 3: ? is one byte for ssh: Host web? does not name web\u00e9 (two bytes in UTF-8)",
    config: "Host web?\n  StrictHostKeyChecking no\n  HostName 10.9.9.9\n",
    destination: "root@web\u00e9",
  },
  {
    name: "attack 3: ? is one byte for ssh: Host web?? names web\u00e9",
    config: "Host web??\n  StrictHostKeyChecking yes\n  UserKnownHostsFile /etc/pinned\n",
    destination: "root@web\u00e9",
  },
  {
    name: "attack 3: ConnectTimeout NONE is refused by ssh (none is compared case and all)",
    config: "Host web\n  ConnectTimeout NONE\n",
    destination: "root@web",
    bothRefuse: /time/i,
  },
  {
    name: "attack 3: ConnectTimeout past INT_MAX is refused by ssh (convtime)",
    config: "Host web\n  ConnectTimeout 2147483648\n",
    destination: "root@web",
    bothRefuse: /time/i,
  },
  {
    name: "attack 3: ServerAliveInterval 2147483647s1s overflows convtime: refused by ssh",
    config: "Host web\n  ServerAliveInterval 2147483647s1s\n",
    destination: "root@web",
    bothRefuse: /time/i,
  },
  {
    name: "attack 3: ServerAliveCountMax past INT_MAX is refused by ssh (atoi_err: too large)",
    config: "Host web\n  ServerAliveCountMax 99999999999\n",
    destination: "root@web",
    bothRefuse: /ServerAliveCountMax|integer|large/i,
  },
  {
    name: "attack 3: IgnoreUnknown with two words is refused by ssh (extra arguments)",
    config: "IgnoreUnknown foo bar\nHost web\n  Port 2222\n",
    destination: "root@web",
    bothRefuse: /ignoreunknown|extra/i,
  },
  {
    name:
      "attack 3: a bad value of an option not honoured (LogLevel) in a block that does not apply is refused by ssh",
    config: "Host other\n  LogLevel bogus\n",
    destination: "root@web",
    sshOnlyRefuses: "values of options deploy-ts does not honour are not checked (a file ssh " +
      "refuses for them says nothing about which host or key deploy-ts uses)",
  },
  {
    name: "attack 3: extra arguments to an option not honoured (Compression) are refused by ssh",
    config: "Host other\n  Compression yes no\n",
    destination: "root@web",
    sshOnlyRefuses: "the number of values of options deploy-ts does not honour is not checked",
  },
  {
    name:
      "attack 3: ProxyJump==bastion is the hop bastion for ssh (blanks and = skipped before the value)",
    config: "Host web\n  ProxyJump==bastion\n",
    destination: "root@web",
  },
  {
    name: "attack 3: ProxyJump = = bastion is the hop bastion for ssh",
    config: "Host web\n  ProxyJump = = bastion\n",
    destination: "root@web",
  },
  {
    name:
      "attack 3: -o HostName=10.0.0.1<NBSP>: ssh keeps the no-break space (its blanks are space, tab, CR, LF), ours trims it and reaches 10.0.0.1",
    config: "",
    sshOpts: ["-o", "HostName=10.0.0.1\u00a0"],
    destination: "root@web",
  },
  {
    name:
      "attack 3: -o Port<form feed>2222 is one word to ssh (no argument after keyword): refused",
    config: "",
    sshOpts: ["-o", "Port\f2222"],
    destination: "root@web",
    bothRefuse: /argument|option|port/i,
  },
  {
    name:
      "attack 3: -J ssh://u+127.0.0.1@bastion: ssh's jump command (run by /bin/sh) splits the user u 127.0.0.1, so its jump connects to 127.0.0.1; a hop user the shell would read must be refused",
    config: "",
    sshOpts: ["-J", "ssh://u+127.0.0.1@bastion"],
    destination: "root@web",
    refused: /ProxyJump|jump|hop/i,
  },
  {
    name:
      "attack 3: ProxyJump ssh://u%20127.0.0.1@bastion in a file: the same split in ssh's jump command (no checks for a file's ProxyJump)",
    config: "Host web\n  ProxyJump ssh://u%20127.0.0.1@bastion\n",
    destination: "root@web",
    refused: /ProxyJump|jump|hop/i,
  },
  {
    name:
      "attack 3: ProxyJump $LOGNAME@bastion: ssh's jump command expands $LOGNAME in the shell, ours logs in as $LOGNAME; refused",
    config: "Host web\n  ProxyJump $LOGNAME@bastion\n",
    destination: "root@web",
    refused: /ProxyJump|jump|hop/i,
  },
  {
    name: "attack 3: ConnectTimeout 0 is no timeout for ssh",
    config: "Host web\n  ConnectTimeout 0\n",
    destination: "root@web",
  },
  {
    name: "no config at all: the defaults",
    config: "",
    destination: "root@plain.example",
  },
];

/** `[user@]host`: the user, if any, and the host. */
function splitDestination(d: string): [string | undefined, string] {
  const at = d.lastIndexOf("@");
  return at < 0 ? [undefined, d] : [d.slice(0, at), d.slice(at + 1)];
}

/** The fields of `ssh -G` the built-in transport uses, in ResolvedHost's terms. */
async function openssh(c: Case, config: string): Promise<Partial<ResolvedHost>> {
  const r = await run(["ssh", "-G", "-F", config, ...(c.sshOpts ?? []), "--", c.destination]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split("\n").map((l) => l.split(" "));
  const all = (k: string) => lines.filter((l) => l[0] === k).map((l) => l.slice(1).join(" "));
  const one = (k: string) => all(k)[0];
  // ssh -G prints identity files before expanding them.
  const [user, host] = splitDestination(c.destination);
  const tilde = (p: string) =>
    p.replace(/^~\//, `${homedir()}/`).replace("%d", homedir()).replace(
      "%r",
      user ?? userInfo().username,
    ).replace(
      "%h",
      one("hostname") ?? host,
    );
  const tildeOnly = (p: string) => p.replace(/^~\//, `${homedir()}/`);
  const none = (files: string[]) => files.length === 1 && files[0] === "none" ? [] : files;
  const strict = one("stricthostkeychecking");
  return {
    hostname: one("hostname"),
    port: Number(one("port")),
    user: one("user"),
    identityFiles: all("identityfile").map(tilde),
    identitiesOnly: one("identitiesonly") === "yes",
    // ssh -G prints UserKnownHostsFile already expanded (~, then % tokens
    // and ${VAR}); GlobalKnownHostsFile as written, which ssh later expands
    // for `~` only (ssh.c: tilde_expand_paths, no % or ${} expansion).
    userKnownHostsFiles: none(
      (one("userknownhostsfile") ?? "").split(" ").filter((x) => x !== ""),
    ),
    globalKnownHostsFiles: none(
      (one("globalknownhostsfile") ?? "").split(" ").filter((x) => x !== ""),
    ).map(tildeOnly),
    hostKeyAlias: one("hostkeyalias"),
    hashKnownHosts: one("hashknownhosts") === "yes",
    strictHostKeyChecking: strict === "true"
      ? "yes"
      : strict === "false"
      ? "no"
      : strict as ResolvedHost["strictHostKeyChecking"],
    // ssh: 0 is no timeout, as none.
    connectTimeout: ["none", "0"].includes(one("connecttimeout"))
      ? undefined
      : Number(one("connecttimeout")),
    serverAliveInterval: Number(one("serveraliveinterval")),
    serverAliveCountMax: Number(one("serveralivecountmax")),
    // ssh -G prints the last hop as user@host:port, the others as given.
    proxyJump: one("proxyjump") === undefined ? [] : one("proxyjump").split(","),
    batchMode: one("batchmode") === "yes",
  };
}

for (const c of CASES) {
  Deno.test({
    name: `ssh2 config matches ssh -G: ${c.name}`,
    ignore: !hasSsh,
    fn: async () => {
      const caseDir = mkdtempSync(join(dir, "case-"));
      for (const [name, text] of Object.entries(c.files ?? {})) {
        mkdirSync(dirname(join(caseDir, name)), { recursive: true });
        writeFileSync(join(caseDir, name), text);
      }
      for (const [name, mode] of Object.entries(c.modes ?? {})) {
        chmodSync(join(caseDir, name), mode);
      }
      for (const [name, uid] of Object.entries(c.owners ?? {})) {
        chownSync(join(caseDir, name), uid, 0);
      }
      const config = join(caseDir, "config");
      writeFileSync(
        config,
        c.config.replaceAll("INCLUDED", join(caseDir, "INCLUDED")).replaceAll("CASEDIR", caseDir),
      );
      // ssh drops an -i file that does not exist.
      writeFileSync(join(caseDir, "key"), "");
      const sshOpts = (c.sshOpts ?? []).map((o) =>
        o === "KEYFILE" ? join(caseDir, "key") : o.replaceAll("CASEDIR", caseDir)
      );
      const saved: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(c.env ?? {})) {
        saved[k] = process.env[k];
        process.env[k] = v.replaceAll("CASEDIR", caseDir);
      }
      try {
        await checkCase(c, config, sshOpts);
      } finally {
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }
    },
  });
}

async function checkCase(c: Case, config: string, sshOpts: string[]) {
  const [user, host] = splitDestination(c.destination);
  const resolved = () =>
    resolveHost(parseSshOpts(["-F", config, ...sshOpts], { node: "n" }), host, user, {
      node: "n",
    });
  // ssh's refusal first: a row whose ssh takes the input fails as such.
  if (c.bothRefuse || c.sshOnlyRefuses) {
    const r = await run(["ssh", "-G", "-F", config, ...sshOpts, "--", c.destination]);
    assert.notEqual(r.code, 0, `ssh -G took it:\n${r.stdout}`);
  }
  const refusal = c.refused ?? c.bothRefuse;
  if (refusal) {
    assert.throws(
      resolved,
      (e: unknown) => e instanceof DeployError && refusal.test(e.message),
    );
  }
  if (refusal) return;
  const ours = resolved();
  if (c.sshOnlyRefuses) return;
  const theirs = await openssh({ ...c, sshOpts }, config);
  const picked: Record<string, unknown> = Object.fromEntries(
    Object.keys(theirs).map((k) => [k, ours[k as keyof ResolvedHost]]),
  );
  // Hops compared as what they mean (ssh -G reformats the last one).
  picked.proxyJump = ours.proxyJump.map(parseJump);
  assert.deepEqual(picked, { ...theirs, proxyJump: theirs.proxyJump!.map(parseJump) });
}

Deno.test("ssh2 config: an option the transport cannot honour is an error naming it and the node", () => {
  const config = join(mkdtempSync(join(dir, "case-")), "config");
  writeFileSync(config, "Host web\n  ProxyCommand nc %h %p\n");
  assert.throws(
    () =>
      resolveHost(parseSshOpts(["-F", config], { node: "web" }), "web", "root", { node: "web" }),
    (e: unknown) =>
      e instanceof DeployError && e.context.node === "web" && /proxycommand/.test(e.message) &&
      /--transport openssh/.test(e.message),
  );
  // The same option for another host is no concern of this one.
  assert.equal(
    resolveHost(parseSshOpts(["-F", config], { node: "db" }), "db", "root", { node: "db" })
      .hostname,
    "db",
  );
});

Deno.test("ssh2 config: an sshOpts flag it does not know is refused by name", () => {
  assert.throws(
    () => parseSshOpts(["-A"], { node: "web" }),
    (e: unknown) =>
      e instanceof DeployError && e.context.node === "web" && e.context.field === "sshOpts" &&
      /"-A"/.test(e.message),
  );
});

Deno.test("ssh2 config: a HostName token ssh refuses is refused, naming it", () => {
  const config = join(mkdtempSync(join(dir, "case-")), "config");
  writeFileSync(config, "Host db\n  HostName %u.example\n");
  assert.throws(
    () => resolveHost(parseSshOpts(["-F", config], { node: "db" }), "db", "root", { node: "db" }),
    (e: unknown) =>
      e instanceof DeployError && e.context.node === "db" && /HostName %u\.example/.test(e.message),
  );
});

Deno.test("ssh2 config: ~/.ssh/config (checked) is refused when others may write it; -F and the system file are not checked, as ssh", () => {
  const file = join(mkdtempSync(join(dir, "case-")), "config");
  writeFileSync(file, "Host *\n  Port 2222\n");
  chmodSync(file, 0o646);
  assert.throws(() => configText(file, true, true), /Bad owner or permissions on .*config/);
  assert.equal(configText(file, true, false).text, "Host *\n  Port 2222\n");
  chmodSync(file, 0o644);
  assert.equal(configText(file, true, true).text, "Host *\n  Port 2222\n");
  assert.equal(configText(join(dir, "absent"), true, true).text, "");
});

/**
 * The last ProxyJump hop as ssh resolves it: ssh runs itself as the jump's
 * ProxyCommand with only `-l user`, `-p port`, `-J earlier hops` and the
 * `-F` file (ssh.c, "Setting implicit ProxyCommand from ProxyJump"); no -o,
 * -4 or -6 of the destination's command line reaches it.
 */
const JUMP_CASES: { name: string; config: string; sshOpts?: string[]; destination: string }[] = [
  {
    name: "the last hop with its user and port, the earlier hops as its -J",
    config: `Host web
  ProxyJump ops@b:2200,c
Host b
  HostName 10.0.0.9
Host c
  User cu
  UserKnownHostsFile /etc/kh_c
  StrictHostKeyChecking yes
`,
    destination: "root@web",
  },
  {
    name: "attack 2: -4 does not reach the jump's ssh (::ffff:10.0.0.1 stays IPv6 there)",
    config: "",
    sshOpts: ["-4", "-J", "[::ffff:10.0.0.1]"],
    destination: "root@web",
  },
  {
    name:
      "attack 2: -o AddressFamily=inet6 does not reach the jump's ssh (127.1 is 127.0.0.1 there)",
    config: "",
    sshOpts: ["-o", "AddressFamily=inet6", "-J", "127.1"],
    destination: "root@web",
  },
];

for (const c of JUMP_CASES) {
  Deno.test({
    name: `ssh2 config: a jump host resolves as ssh's own jump: ${c.name}`,
    ignore: !hasSsh,
    fn: async () => {
      const caseDir = mkdtempSync(join(dir, "case-"));
      const config = join(caseDir, "config");
      writeFileSync(config, c.config);
      const sshOpts = c.sshOpts ?? [];
      const [user, host] = splitDestination(c.destination);
      const source = parseSshOpts(["-F", config, ...sshOpts], { node: "n" });
      const resolved = resolveHost(source, host, user, { node: "n" });
      const hops = resolved.proxyJump;
      const hop = parseJump(hops[hops.length - 1]);
      const jump = resolveHost(jumpSource(source, hop, hops.slice(0, -1)), hop.host, undefined, {
        node: "n",
      });
      // ssh's own hops: what -G prints, split as parse_jump splits it.
      const g = await run(["ssh", "-G", "-F", config, ...sshOpts, "--", c.destination]);
      assert.equal(g.code, 0, g.stderr);
      const line = /^proxyjump (.*)$/m.exec(g.stdout)![1];
      // ssh percent-expands the ProxyCommand it builds (sshconnect.c:
      // expand_proxy_command: %h %k %n %p %r of the destination).
      const outer = (k: string) => new RegExp(`^${k} (.*)$`, "m").exec(g.stdout)?.[1];
      const tokens: Record<string, string> = {
        h: outer("hostname")!,
        k: outer("hostkeyalias") ?? host,
        n: host,
        p: outer("port")!,
        r: outer("user")!,
        "%": "%",
      };
      const expand = (v: string) => v.replace(/%([hknpr%])/g, (_, t: string) => tokens[t]);
      const comma = line.lastIndexOf(",");
      const last = parseJump(line.slice(comma + 1));
      const inner = [
        ...(last.user === undefined ? [] : ["-l", expand(last.user)]),
        ...(last.port === undefined ? [] : ["-p", String(last.port)]),
        ...(comma < 0 ? [] : ["-J", expand(line.slice(0, comma))]),
      ];
      last.host = expand(last.host);
      const theirs = await openssh({
        name: c.name,
        config: "",
        sshOpts: inner,
        destination: last.host,
      }, config);
      const picked: Record<string, unknown> = Object.fromEntries(
        Object.keys(theirs).map((k) => [k, jump[k as keyof ResolvedHost]]),
      );
      picked.proxyJump = jump.proxyJump.map(parseJump);
      assert.deepEqual(picked, { ...theirs, proxyJump: theirs.proxyJump!.map(parseJump) });
    },
  });
}

// Issue 18 attack (third round): ssh -G prints `identityfile none` as written,
// so the table above cannot tell; but ssh.c's load_public_identity_files
// skips an IdentityFile spelled none (strcasecmp) and, with it, adds no
// default identities, where ours would load a key from a file named ./none.
Deno.test("attack 3: IdentityFile none (any case) names no identity file, as ssh skips it", () => {
  const config = join(mkdtempSync(join(dir, "case-")), "config");
  writeFileSync(config, "Host web\n  IdentityFile NONE\n");
  const r = resolveHost(parseSshOpts(["-F", config], { node: "web" }), "web", "root", {
    node: "web",
  });
  assert.deepEqual(r.identityFiles, []);
});
