/**
 * The bundle's entry (dist/deploy.mjs): only the command line, so that the
 * library exports of mod.ts (zod schemas among them) load only when a
 * command needs them and `deploy --help` stays fast. No `node:` module
 * here (see src/process/runtime.ts): a helper start loads none.
 */
import { exitProcess, programArgs } from "../process/runtime.ts";
import { main } from "./main.ts";

exitProcess(await main(programArgs()));
