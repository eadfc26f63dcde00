import assert from "node:assert/strict";
import { formatTarget, parseFileTarget, parseFlakeTarget } from "./target.ts";
import { ConfigError } from "../shared/errors.ts";

const REPO = "../deploy/examples/system";

Deno.test("targets: deploy-rs's own test cases (test_parse_flake) give its results", () => {
  assert.deepEqual(parseFlakeTarget(REPO), { repo: REPO });
  assert.deepEqual(parseFlakeTarget(`${REPO}#`), { repo: REPO });
  assert.deepEqual(parseFlakeTarget(`${REPO}#computer."something.nix"`), {
    repo: REPO,
    node: "computer",
    profile: "something.nix",
  });
  assert.deepEqual(parseFlakeTarget(`${REPO}#"example.com".system`), {
    repo: REPO,
    node: "example.com",
    profile: "system",
  });
  assert.deepEqual(parseFlakeTarget(`${REPO}#example`), { repo: REPO, node: "example" });
  assert.deepEqual(parseFlakeTarget(`${REPO}#example.system`), {
    repo: REPO,
    node: "example",
    profile: "system",
  });
});

Deno.test("targets: flake references of every shape", () => {
  assert.deepEqual(parseFlakeTarget("."), { repo: "." });
  assert.deepEqual(parseFlakeTarget(".#web"), { repo: ".", node: "web" });
  assert.deepEqual(parseFlakeTarget("#web.system"), { repo: ".", node: "web", profile: "system" });
  assert.deepEqual(parseFlakeTarget("github:o/r#db"), { repo: "github:o/r", node: "db" });
  assert.deepEqual(parseFlakeTarget("git+https://h/r?ref=main#db"), {
    repo: "git+https://h/r?ref=main",
    node: "db",
  });
  assert.deepEqual(parseFlakeTarget(".#my-node_2'.home-manager"), {
    repo: ".",
    node: "my-node_2'",
    profile: "home-manager",
  });
});

Deno.test("targets: a quoted node without a profile works (deploy-rs rejects it)", () => {
  assert.deepEqual(parseFlakeTarget('.#"host.com"'), { repo: ".", node: "host.com" });
  assert.deepEqual(parseFlakeTarget('.#"1st"'), { repo: ".", node: "1st" });
  assert.deepEqual(parseFlakeTarget('.#"say \\"hi\\""'), { repo: ".", node: 'say "hi"' });
});

Deno.test("targets: an unquoted dotted name of three parts shows the quoted forms to use", () => {
  assert.throws(
    () => parseFlakeTarget(".#host.example.com"),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /3 parts/);
      assert.ok(e.message.includes(`'.#"host.example.com"'`), e.message);
      assert.ok(e.message.includes(`'.#"host.example".com'`), e.message);
      return true;
    },
  );
  assert.throws(() => parseFlakeTarget(".#a.b.c"), /at most a node and a profile/);
});

Deno.test("targets: malformed fragments are refused with the target in the message", () => {
  assert.throws(() => parseFlakeTarget('.#"open'), /invalid target '\.#"open': unterminated quote/);
  assert.throws(() => parseFlakeTarget(".#1node"), /'1node' is not a name.*\.#"1node"/);
  assert.throws(() => parseFlakeTarget(".#node."), /expected '\.' or the end after 'node'/);
  assert.throws(() => parseFlakeTarget(".#a..b"), /invalid target/);
  assert.throws(() => parseFlakeTarget('.#"a"b'), /expected '\.' or the end/);
});

Deno.test("targets: --file mode takes bare fragments, and '.' means every node", () => {
  assert.deepEqual(parseFileTarget("./deploy.nix", "."), { repo: "./deploy.nix" });
  assert.deepEqual(parseFileTarget("./deploy.nix", "server"), {
    repo: "./deploy.nix",
    node: "server",
  });
  assert.deepEqual(parseFileTarget(".", '"a.b".system'), {
    repo: ".",
    node: "a.b",
    profile: "system",
  });
});

Deno.test("targets: formatTarget writes back what parses to the same target", () => {
  for (const t of ['.#"host.com"', '.#"a.b".system', ".#web.system", ".", 'github:o/r#"x y"']) {
    assert.deepEqual(parseFlakeTarget(formatTarget(parseFlakeTarget(t))), parseFlakeTarget(t));
  }
  assert.equal(formatTarget({ repo: ".", node: "a.b", profile: "system" }), '.#"a.b".system');
});
