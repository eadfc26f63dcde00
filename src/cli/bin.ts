/**
 * The bundle's entry (dist/deploy.mjs): only the command line, so that the
 * library exports of mod.ts (zod schemas among them) load only when a
 * command needs them and `deploy --help` stays fast.
 */
import process from "node:process";
import { main } from "./main.ts";

process.exit(await main(process.argv.slice(2)));
