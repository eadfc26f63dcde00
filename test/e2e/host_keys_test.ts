/**
 * Host keys with OpenSSH as the oracle: every row connects to a testbed host
 * twice, once with the real `ssh` and once through the built-in transport,
 * from the same ssh_config and the same known_hosts contents, and compares
 * the decision (accept, accept and record, refuse) and what known_hosts
 * holds afterwards. Where the built-in transport is stricter, the row says
 * why, and the README's built-in transport section says the same.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "../../src/process/run.ts";
import { Ssh2Transport } from "../../src/ssh/ssh2/ssh2_transport.ts";
import { hashedName } from "../../src/ssh/ssh2/known_hosts.ts";
import { Testbed } from "../support/testbed.ts";

type Decision = "accept" | "record" | "refuse";
type Strict = "yes" | "accept-new" | "no" | "ask";

interface Keys {
  /** The host's own key, `type base64`. */
  host: string;
  /** Another ed25519 key (the host's key changed). */
  other: string;
  /** An RSA key (a key of a type the host does not offer). */
  rsa: string;
  /** A CA key for @cert-authority lines. */
  ca: string;
}

interface Row {
  name: string;
  /** known_hosts contents before the connection; `n` is the entry's name for the host. */
  knownHosts: (k: Keys, n: string) => string;
  /** Whether the client config names the host by HostKeyAlias h1 (otherwise by its address). */
  alias?: boolean;
  /** Lines of ssh_config before the host's own block (Match blocks, Host *). */
  prelude?: string[];
  login?: "root" | "deploy";
  /** How the config writes the host's address (default: as it is). */
  hostName?: (addr: string) => string;
  /** Where the built-in transport is stricter than OpenSSH: the reason, per StrictHostKeyChecking. */
  stricter?: Partial<Record<Strict, string>>;
}

const CHANGED_UNDER_NO = "a changed key is refused under StrictHostKeyChecking no too: OpenSSH " +
  "goes on with public-key login only, which is enough to run activation code as root";

const ROWS: Row[] = [
  { name: "no known_hosts entry", knownHosts: () => "" },
  { name: "the host's key", knownHosts: (k, n) => `${n} ${k.host}\n` },
  { name: "the host's key, hashed", knownHosts: (k, n) => `${n} ${k.host}\n`, alias: true },
  {
    name: "another key of the same type",
    knownHosts: (k, n) => `${n} ${k.other}\n`,
    stricter: { no: CHANGED_UNDER_NO },
  },
  {
    name: "only a key of another type",
    knownHosts: (k, n) => `${n} ${k.rsa}\n`,
    stricter: { no: CHANGED_UNDER_NO },
  },
  {
    name: "several types, the host's among them",
    knownHosts: (k, n) => `${n} ${k.rsa}\n${n} ${k.host}\n`,
  },
  {
    name: "the host's key recorded for another port",
    knownHosts: (k, n) => `[${n}]:2222 ${k.host}\n`,
  },
  {
    name: "the host's key @revoked",
    knownHosts: (k, n) => `@revoked ${n} ${k.host}\n${n} ${k.host}\n`,
    stricter: {
      no: "a revoked key is refused whatever StrictHostKeyChecking says; OpenSSH goes on " +
        "under `no` with public-key login",
    },
  },
  {
    name: "only a @cert-authority line",
    knownHosts: (k, n) => `@cert-authority ${n} ${k.ca}\n`,
  },
  { name: "a wildcard entry", knownHosts: (k, n) => `${n.slice(0, -1)}* ${k.host}\n` },
  {
    name: "a wildcard entry negating the host",
    knownHosts: (k, n) => `${n.slice(0, -1)}*,!${n} ${k.host}\n`,
  },
  { name: "by address, no HostKeyAlias", knownHosts: (k, n) => `${n} ${k.host}\n`, alias: false },
  {
    name: "recorded under the alias, looked up by address",
    knownHosts: (k) => `h1 ${k.host}\n`,
    alias: false,
  },
  {
    // ssh reads a field that starts with `|` as one hashed name: the names beside it count for nothing.
    name: "the host's key under a hashed name followed by the host's own",
    knownHosts: (k, n) => `${hashedName("elsewhere")},${n} ${k.host}\n`,
  },
  {
    // ssh skips a line whose key is not of its stated type.
    name: "the host's key under another type's name",
    knownHosts: (k, n) => `${n} ssh-rsa ${k.host.split(" ")[1]}\n`,
  },
  {
    // ssh writes a numeric address in one form before it asks known_hosts.
    name: "by address, HostName the same address in a shorter form (a.b.c*256+d)",
    knownHosts: (k, n) => `${n} ${k.host}\n`,
    alias: false,
    hostName: (addr) => {
      const [a, b, c, d] = addr.split(".").map(Number);
      return `${a}.${b}.${c * 256 + d}`;
    },
  },
  {
    name: "Match user deploy pins, logging in as deploy",
    knownHosts: () => "",
    prelude: ["Match user deploy", "  StrictHostKeyChecking yes"],
    login: "deploy",
  },
  {
    name: "Match user deploy pins, logging in as root",
    knownHosts: () => "",
    prelude: ["Match user deploy", "  StrictHostKeyChecking yes"],
    login: "root",
  },
];

const STRICT: Strict[] = ["yes", "accept-new", "no", "ask"];

async function keyOf(dir: string, name: string, type: string): Promise<string> {
  const file = join(dir, name);
  const r = await run(["ssh-keygen", "-q", "-t", type, "-N", "", "-C", "", "-f", file]);
  assert.equal(r.code, 0, r.stderr);
  return readFileSync(`${file}.pub`, "utf8").trim().split(" ").slice(0, 2).join(" ");
}

function decision(ok: boolean, before: string, after: string): Decision {
  if (!ok) return "refuse";
  return after === before ? "accept" : "record";
}

/** The set of entries, as `ssh-keygen -F` sees them, so hashed and plain records compare. */
async function recorded(file: string, names: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const n of names) {
    const r = await run(["ssh-keygen", "-F", n, "-f", file]);
    for (const l of r.stdout.split("\n")) {
      if (l && !l.startsWith("#")) out.push(`${n}: ${l.split(" ").slice(1).join(" ")}`);
    }
  }
  return out.sort();
}

Deno.test("host keys: the built-in transport decides as real OpenSSH does on every row, or stricter for a stated reason", async () => {
  await using tb = await Testbed.up(1);
  const addr = `${tb.net}.11`;
  const keys: Keys = {
    host: readFileSync(join(tb.dir, "hosts/h1/ssh_host_ed25519_key.pub"), "utf8").trim()
      .split(" ").slice(0, 2).join(" "),
    other: await keyOf(tb.dir, "other", "ed25519"),
    rsa: await keyOf(tb.dir, "rsa", "rsa"),
    ca: await keyOf(tb.dir, "ca", "ed25519"),
  };
  const kh = join(tb.dir, "row_known_hosts");
  const cfg = join(tb.dir, "row_ssh_config");
  const table: string[] = [];
  const mismatches: string[] = [];
  let rows = 0;
  for (const row of ROWS) {
    for (const strict of STRICT) {
      const alias = row.alias ?? true;
      const n = alias ? "h1" : addr;
      writeFileSync(
        cfg,
        [
          ...(row.prelude ?? []),
          "Host h1",
          `  HostName ${row.hostName?.(addr) ?? addr}`,
          ...(alias ? ["  HostKeyAlias h1"] : []),
          `  IdentityFile ${tb.dir}/id_ed25519`,
          "  IdentitiesOnly yes",
          `  UserKnownHostsFile ${kh}`,
          "  GlobalKnownHostsFile /dev/null",
          ...(strict === "ask" ? [] : [`  StrictHostKeyChecking ${strict}`]),
          "  BatchMode yes",
          "  ConnectTimeout 30",
          "  LogLevel ERROR",
          "",
        ].join("\n"),
      );
      const initial = row.knownHosts(keys, n);
      const hashed = row.name.endsWith("hashed");
      const reset = async () => {
        writeFileSync(kh, initial, { mode: 0o600 });
        if (hashed) {
          const h = await run(["ssh-keygen", "-q", "-H", "-f", kh]);
          assert.equal(h.code, 0, h.stderr);
        }
        return readFileSync(kh, "utf8");
      };
      const login = row.login ?? "root";

      const label = `${row.name} × StrictHostKeyChecking ${strict}`;
      const reason = row.stricter?.[strict];
      /** Both clients once, from the same known_hosts: what is wrong, or "". */
      const compare = async () => {
        const before = await reset();
        const ssh = await run(["ssh", "-F", cfg, `${login}@h1`, "true"]);
        const sshAfter = await recorded(kh, [n]);
        const openssh = decision(ssh.code === 0, before, readFileSync(kh, "utf8"));

        const again = await reset();
        const t = new Ssh2Transport({
          sshUser: login,
          hostname: "h1",
          sshOpts: ["-F", cfg],
          context: { node: "n" },
        });
        let ok = true;
        let why = "";
        try {
          await t.open();
          ok = (await t.run(["true"])).code === 0;
        } catch (e) {
          ok = false;
          why = (e as Error).message;
        } finally {
          await t.close();
        }
        const builtIn = decision(ok, again, readFileSync(kh, "utf8"));
        const builtInAfter = await recorded(kh, [n]);
        const seen = `${label}: openssh ${openssh}, built-in ${builtIn}`;
        const wrong = reason
          ? openssh === "refuse"
            ? "no longer stricter than OpenSSH: drop the reason"
            : builtIn !== "refuse" || readFileSync(kh, "utf8") !== again
            ? `not refused as the reason says (${reason}): ${why}`
            : ""
          : builtIn !== openssh
          ? `${why} ${ssh.stderr}`
          : JSON.stringify(builtInAfter) !== JSON.stringify(sshAfter)
          ? `known_hosts: built-in ${builtInAfter}, OpenSSH ${sshAfter}`
          : "";
        return { seen, wrong };
      };
      // A loaded machine can time one login out: a row is judged on a second
      // try before it counts as a difference.
      let result = await compare();
      if (result.wrong) result = await compare();
      rows++;
      table.push(result.seen);
      const wrong = result.wrong ? `${result.seen}: ${result.wrong}` : "";
      if (wrong) mismatches.push(wrong);
    }
  }
  assert.equal(rows, ROWS.length * STRICT.length);
  assert.deepEqual(mismatches, [], table.join("\n"));
});
