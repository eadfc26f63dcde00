/**
 * Entry point of the one bundle: the deployer (`deploy …`) on the operator's
 * machine, and the helper on hosts (`deploy COMMAND …` for each of
 * HELPER_COMMANDS; `deploy COMMAND --help` prints the usage made from its
 * option table, src/wire/usage.ts).
 * Heavy modules are imported only by the command that needs them, so that
 * `--help` and the helper start fast.
 */
import { DeployError } from "../shared/errors.ts";
import { EXIT_CODES } from "../shared/exit_codes.ts";
import { showEscaped } from "../ui/host_text.ts";
// Small (no zod, no commander): the subcommands that run on the target host.
import { HELPER_COMMANDS } from "../wire/requests.ts";
// No `node:` module on this path: a helper start loads none (runtime.ts).
import { denoRuntime, envVar, writeStderr, writeStdout } from "../process/runtime.ts";

/**
 * Every start of the helper costs a host a Deno start: with
 * DEPLOY_TS_TRACE_STARTS set (the testbed sets it), each start appends its
 * subcommand to that file, so a test can count them per deployed profile.
 */
function traceHelperStart(argv: readonly string[]): void {
  const file = envVar("DEPLOY_TS_TRACE_STARTS");
  if (!file) return;
  try {
    // The helper runs under Deno only.
    denoRuntime?.writeTextFileSync(file, `${argv[0]}\n`, { append: true });
  } catch {
    // Best effort: tracing never changes what the helper does.
  }
}

/** Run deploy-ts with these arguments (no program name); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    if ((HELPER_COMMANDS as readonly string[]).includes(argv[0])) {
      traceHelperStart(argv);
      const { helperMain } = await import("../helper/main.ts");
      return await helperMain(argv);
    }
    if (argv[0] === "validate") {
      const { validateCommand } = await import("./validate.ts");
      return validateCommand(argv.slice(1));
    }
    const { parseDeployArgs } = await import("./program.ts");
    const parsed = parseDeployArgs(argv, {
      out: writeStdout,
      err: writeStderr,
    });
    if (!parsed) return 0;
    const { runDeployCommand } = await import("./commands.ts");
    return await runDeployCommand(parsed);
  } catch (e) {
    if (e instanceof DeployError) {
      // Messages may quote hosts' output: shown, never obeyed.
      writeStderr(`deploy: error: ${showEscaped(e.describe())}\n`);
      return e.exitCode;
    }
    writeStderr(`deploy: internal error: ${(e as Error)?.stack ?? e}\n`);
    return EXIT_CODES.internal;
  }
}
