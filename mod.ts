/**
 * deploy-ts: deploy Nix profiles to remote machines over SSH.
 *
 * Run as a program (`deno run -A mod.ts …`, or the bundle `dist/deploy.mjs`),
 * this is the deployer and the on-host helper. Imported as a module, it
 * exposes the pieces below.
 *
 * @module
 */
import process from "node:process";
import { main } from "./src/cli/main.ts";

export { main } from "./src/cli/main.ts";
export { VERSION } from "./src/shared/version.ts";
export { CommandError, ConfigError, DeployError, type ErrorContext } from "./src/shared/errors.ts";
export { shellQuote, shellQuoteArgv, shellSplit } from "./src/shared/shell_quote.ts";
export type {
  DeployEvent,
  ProfilePhase,
  ProfileResult,
  ProfileStatus,
} from "./src/shared/events.ts";
export { DeployEventSchema, ProfileResultSchema } from "./src/shared/event_schema.ts";
export type { ProfilePlan } from "./src/config/plan.ts";
export type { ProfileSettings } from "./src/config/settings.ts";
export { DeploySchema, validateDeploy } from "./src/config/schema.ts";
export { parseFlakeTarget, type Target } from "./src/config/target.ts";

if (import.meta.main) {
  process.exit(await main(process.argv.slice(2)));
}
