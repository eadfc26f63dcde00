import assert from "node:assert/strict";
import { UsageError } from "../shared/errors.ts";
import { MAX_TIMEOUT_SECONDS } from "../shared/vocabulary.ts";
import {
  decodeRequest,
  encodeCall,
  encodeRequest,
  type HelperCommand,
  type HelperRequest,
  type RequestOf,
  REQUESTS,
} from "./requests.ts";
import { shellQuoteArgv, shellSplit } from "../shared/shell_quote.ts";

/** Names a user may give a profile, a user, a path or a deployer. */
const AWKWARD = [
  "my app",
  'it\'s "quoted"',
  "$HOME and $(id) and `id`",
  "two\nlines",
  "ünïcødé 名前 🚀",
  "-starts-with-a-dash",
  "--looks-like=an option",
  "",
];

/** Every request of every subcommand, with awkward values in each string. */
function samples(): HelperRequest[] {
  const out: HelperRequest[] = [];
  for (const text of AWKWARD) {
    out.push(
      {
        command: "activate",
        request: {
          closure: `/nix/store/abc-${text}`,
          profile: { user: text, name: text },
          tempPath: `/tmp/${text}`,
          confirmTimeout: 30,
          activationTimeout: MAX_TIMEOUT_SECONDS,
          magicRollback: true,
          autoRollback: false,
          keepSecretBackups: true,
          goal: "switch",
          deployer: text,
        },
      },
      {
        command: "activate",
        request: {
          closure: text,
          profile: { path: text },
          tempPath: text,
          confirmTimeout: 1,
          magicRollback: false,
          autoRollback: true,
          keepSecretBackups: false,
          goal: "dry-activate",
          generation: 0,
        },
      },
      {
        command: "activate",
        request: {
          closure: "/nix/store/x",
          profile: { path: "/p" },
          tempPath: "/tmp",
          confirmTimeout: 30,
          magicRollback: true,
          autoRollback: true,
          keepSecretBackups: false,
          goal: "boot",
          generation: 12,
        },
      },
      { command: "wait", request: { runDir: text } },
      { command: "wait", request: { runDir: text, activationTimeout: 5, tempPath: text } },
      { command: "confirm", request: { runDir: text } },
      {
        command: "revoke",
        request: {
          profile: { user: text, name: text },
          tempPath: text,
          toGeneration: null,
          removeGeneration: null,
          boot: false,
        },
      },
      {
        command: "revoke",
        request: {
          profile: { path: text },
          tempPath: "/tmp",
          toGeneration: 3,
          expectGeneration: 4,
          removeGeneration: 4,
          boot: true,
          deployer: text,
          activationTimeout: 240,
        },
      },
      {
        command: "revoke",
        request: {
          profile: { path: "/p" },
          tempPath: "/tmp",
          toGeneration: 1,
          expectGeneration: null,
          removeGeneration: null,
          boot: false,
        },
      },
      { command: "query", request: { profile: { user: text, name: text } } },
      { command: "query", request: { profile: { path: text } } },
      { command: "run-job", request: { runDir: text } },
      { command: "check-health", request: { healthChecks: text, healthTimeout: 7 } },
      {
        command: "upload-secrets",
        request: { profile: { path: text }, tempPath: text, secrets: text },
      },
      { command: "secret-status", request: { secrets: text } },
      { command: "drop-secret-backups", request: { runDir: text } },
      {
        command: "activate",
        request: {
          closure: "/nix/store/x",
          profile: { path: "/p" },
          tempPath: "/tmp",
          confirmTimeout: 30,
          magicRollback: true,
          autoRollback: true,
          keepSecretBackups: false,
          goal: "switch",
          healthChecks: text,
          healthTimeout: 60,
          healthInterval: 2,
        },
      },
    );
  }
  return out;
}

/** encode for a union member: the command decides the request's type. */
function encode(r: HelperRequest): { argv: string[]; stdin?: string } {
  return encodeCall(r.command, r.request as RequestOf<typeof r.command>);
}

Deno.test("requests: decode(encode(r)) is r for every subcommand, whatever the names hold", () => {
  const seen = new Set<HelperCommand>();
  for (const r of samples()) {
    const { argv, stdin } = encode(r);
    assert.equal(argv[0], r.command);
    // The request line is one line, whatever the values hold.
    const line = stdin?.slice(0, -1);
    if (stdin !== undefined) assert.equal(stdin.indexOf("\n"), stdin.length - 1);
    assert.deepEqual(decodeRequest(argv, line), r, JSON.stringify(argv));
    // The same after the trip through the SSH user's shell.
    assert.deepEqual(decodeRequest(shellSplit(shellQuoteArgv(argv)), line), r);
    seen.add(r.command);
  }
  assert.deepEqual([...seen].sort(), Object.keys(REQUESTS).sort());
});

Deno.test("requests: health checks travel in the request line on stdin, never on argv", () => {
  const checks = JSON.stringify({ api: ["curl", "-H", "Authorization: Bearer s3cret"] });
  for (
    const { argv, stdin } of [
      encodeCall("check-health", { healthChecks: checks }),
      encodeCall("activate", {
        closure: "/nix/store/x",
        profile: { path: "/p" },
        healthChecks: checks,
        healthTimeout: 60,
      }),
    ]
  ) {
    assert.ok(!argv.join(" ").includes("s3cret"), argv.join(" "));
    assert.ok(!argv.includes("--health-checks"));
    assert.match(stdin!, /^deploy-ts-request \{.*s3cret.*\}\n$/);
  }
  // encodeRequest (argv alone) refuses to drop a private value.
  assert.throws(() => encodeRequest("check-health", { healthChecks: checks }), /encodeCall/);
  // The helper refuses what the deployer never sends.
  assert.throws(() => decodeRequest(["check-health"]), /needs healthChecks in the request line/);
  assert.throws(
    () => decodeRequest(["check-health"], 'deploy-ts-request {"other":"x"}'),
    /unknown or wrong field 'other'/,
  );
  assert.throws(
    () => decodeRequest(["check-health"], "deploy-ts-request [1]"),
    /not what deploy-ts sends/,
  );
  // An older spelling on argv is refused, not read.
  assert.throws(
    () => decodeRequest(["check-health", "--health-checks", checks]),
    /unknown option '--health-checks'/,
  );
});

Deno.test("requests: values the host defaults may be left out, and decode fills them in", () => {
  const argv = encodeRequest("activate", { closure: "/nix/store/x", profile: { path: "/p" } });
  assert.deepEqual(argv, ["activate", "/nix/store/x", "--profile-path", "/p"]);
  assert.deepEqual(decodeRequest(argv).request, {
    closure: "/nix/store/x",
    profile: { path: "/p" },
    tempPath: "/tmp",
    confirmTimeout: 30,
    magicRollback: false,
    autoRollback: false,
    keepSecretBackups: false,
    goal: "switch",
  });
  assert.deepEqual(
    decodeRequest(["revoke", "--profile-path", "/p", "--to-generation", "none"]).request,
    {
      profile: { path: "/p" },
      tempPath: "/tmp",
      toGeneration: null,
      removeGeneration: null,
      boot: false,
    },
  );
});

Deno.test("requests: the goal is spelled --dry-activate, --boot or nothing; the worker has its own subcommand", () => {
  const base = { closure: "/nix/store/x", profile: { path: "/p" } };
  assert.ok(
    encodeRequest("activate", { ...base, goal: "dry-activate" }).includes("--dry-activate"),
  );
  assert.ok(encodeRequest("activate", { ...base, goal: "boot" }).includes("--boot"));
  assert.deepEqual(encodeRequest("activate", { ...base, goal: "switch" }), [
    "activate",
    "/nix/store/x",
    "--profile-path",
    "/p",
  ]);
  assert.deepEqual(encodeRequest("run-job", { runDir: "/tmp/deploy-ts-abc" }), [
    "run-job",
    "/tmp/deploy-ts-abc",
  ]);
  // An earlier deployer's spellings still decode: --name=value, and -d/--log-dir, which are ignored.
  assert.deepEqual(
    decodeRequest(["query", "-d", "--log-dir", "/l", "--profile-path=/p"]),
    { command: "query", request: { profile: { path: "/p" } } },
  );
});

/** The UsageError decode throws for argv. */
function usageError(argv: string[]): UsageError {
  try {
    decodeRequest(argv);
  } catch (e) {
    assert.ok(e instanceof UsageError, `not a UsageError: ${e}`);
    assert.equal(e.exitCode, 2);
    return e;
  }
  assert.fail(`decoded: ${JSON.stringify(argv)}`);
}

Deno.test("requests: a wrong command line is a UsageError (exit 2) naming the option", () => {
  const cases: [string[], RegExp][] = [
    [["revoke", "--profile-path", "/p"], /revoke needs --to-generation/],
    [["activate", "/c"], /--profile-user and --profile-name go together/],
    [["activate", "/c", "--profile-user", "u"], /--profile-user and --profile-name go together/],
    [
      ["query", "--profile-path", "/p", "--profile-user", "u"],
      /either --profile-path or --profile-user/,
    ],
    [
      ["activate", "/c", "--profile-path", "/p", "--confirm-timeout", "soon"],
      /--confirm-timeout takes a whole number of seconds from 1 to 2147483, got 'soon'/,
    ],
    [
      ["activate", "/c", "--profile-path", "/p", "--confirm-timeout", "0"],
      /--confirm-timeout takes a whole number of seconds/,
    ],
    [
      ["wait", "/r", "--activation-timeout", String(MAX_TIMEOUT_SECONDS + 1)],
      /--activation-timeout takes a whole number of seconds/,
    ],
    [
      ["activate", "/c", "--profile-path", "/p", "--generation", "-1"],
      /--generation takes a generation number, got '-1'/,
    ],
    [
      ["revoke", "--profile-path", "/p", "--to-generation", "1.5"],
      /--to-generation takes a generation number or 'none', got '1.5'/,
    ],
    [["activate", "/c", "--profile-path", "/p", "--worker", "/r"], /unknown option '--worker'/],
    [["query", "--profile-path", "/p", "--boot"], /unknown option '--boot' for 'deploy query'/],
    [["confirm", "/r", "-x"], /unknown option '-x'/],
    [["activate", "/c", "--profile-path"], /--profile-path needs a value/],
    [["activate", "/c", "--profile-path", "/p", "--boot=yes"], /--boot takes no value/],
    [
      ["activate", "/c", "--profile-path", "/p", "--dry-activate", "--boot"],
      /--dry-activate and --boot cannot be used together/,
    ],
    [
      ["activate", "/c", "--profile-path", "/p", "--profile-path", "/q"],
      /--profile-path is given more than once/,
    ],
    [["activate", "--profile-path", "/p"], /activate takes one closure path, got none/],
    [["wait", "/r", "/s"], /wait takes one run directory, got '\/r' '\/s'/],
    [
      ["revoke", "/r", "--profile-path", "/p", "--to-generation", "1"],
      /revoke takes no positional arguments/,
    ],
    [["dance"], /unknown helper command 'dance'/],
  ];
  for (const [argv, message] of cases) assert.match(usageError(argv).message, message);
});
