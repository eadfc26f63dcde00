/**
 * Host names as ssh writes them before the known_hosts lookup, against
 * real OpenSSH (`ssh -G`, which prints the canonical name) where ssh exists.
 */
import assert from "node:assert/strict";
import { run } from "../../process/run.ts";
import { canonicalHostName, formatIPv6, parseIPv4, parseIPv6 } from "./numeric_address.ts";

const hasSsh = (await run(["ssh", "-V"])).code === 0;

const NAMES = [
  "127.0.0.1",
  "127.1",
  "127.000.0.1",
  "127.010.0.1",
  "0x7f.1",
  "0X7F.0.0.1",
  "0x7f.0x0.0x0.0x1",
  "2130706433",
  "017700000001",
  "10.1.65535",
  "10.1.65536",
  "1.2.3.256",
  "1.2.3.4.5",
  "08.1.2.3",
  "0x.1.2.3",
  "1.2.3.",
  ".1.2.3",
  "4294967295",
  "4294967296",
  "2001:DB8:0:0::1",
  "2001:0db8:0000:0000:0000:0000:0000:0001",
  "0:0:0:0:0:0:0:1",
  "::",
  "::ffff:1.2.3.4",
  "::FFFF:0102:0304",
  "::1.2.3.4",
  "::0.0.0.2",
  "1:0:0:2:0:0:0:3",
  "1:0:0:2:0:0:3:4",
  "1:0:2:0:3:0:4:0",
  "1::2::3",
  "1:2:3:4:5:6:7:8:9",
  "1:2:3:4:5:6:7::",
  "::1:2:3:4:5:6:7",
  "1:2:3:4:5:6:1.2.3.4",
  "::1.2.3.04",
  "12345::1",
  "FE80::ZZ",
  "Web.Example.COM",
  "web",
  // Attack (issue 18, second round): ssh replaces the name by getnameinfo's
  // form only when they differ other than in case (strcasecmp), so an
  // address already canonical but for capitals keeps them, and known_hosts
  // patterns (lower-cased) never name it.
  "2001:DB8::1",
  "::FFFF:1.2.3.4",
  "FE80::1",
];

for (const family of [0, 4, 6] as const) {
  Deno.test({
    name: `canonicalHostName matches ssh -G's hostname (family ${family || "any"})`,
    ignore: !hasSsh,
    fn: async () => {
      const flag = family === 0 ? [] : [`-${family}`];
      const wrong: string[] = [];
      for (const name of NAMES) {
        const r = await run(["ssh", "-G", "-F", "/dev/null", ...flag, "--", name]);
        assert.equal(r.code, 0, r.stderr);
        const theirs = /^hostname (.*)$/m.exec(r.stdout)![1];
        const ours = canonicalHostName(name, family);
        if (ours !== theirs) wrong.push(`${name}: ours ${ours}, ssh ${theirs}`);
      }
      assert.deepEqual(wrong, []);
    },
  });
}

Deno.test("parseIPv4: glibc's forms, nothing after the address", () => {
  assert.deepEqual(parseIPv4("127.1"), [127, 0, 0, 1]);
  assert.deepEqual(parseIPv4("0x7f.1"), [127, 0, 0, 1]);
  assert.deepEqual(parseIPv4("10.1.256"), [10, 1, 1, 0]);
  assert.equal(parseIPv4("127.0.0.1 "), undefined);
  assert.equal(parseIPv4("256.1"), undefined);
  assert.equal(parseIPv4(""), undefined);
});

Deno.test("IPv6: parsed and printed as inet_pton and inet_ntop", () => {
  assert.equal(formatIPv6(parseIPv6("2001:db8:0:0:1:0:0:1")!), "2001:db8::1:0:0:1");
  assert.equal(formatIPv6(parseIPv6("1:0:0:0:0:0:0:0")!), "1::");
  assert.equal(formatIPv6(parseIPv6("0:0:0:0:0:ffff:a00:1")!), "::ffff:10.0.0.1");
  assert.equal(parseIPv6(":1:2:3:4:5:6:7"), undefined);
  assert.equal(parseIPv6("1:2:3:4:5:6:7:"), undefined);
});

Deno.test("canonicalHostName: a scoped IPv6 address is refused by name", () => {
  assert.throws(() => canonicalHostName("fe80::1%lo", 0), /fe80::1%lo.*scoped/);
});
