/** Runs a parsed deployer command. */
import type { ParsedCommand } from "./program.ts";
import { DeployError } from "../errors.ts";

export function runDeployCommand(parsed: ParsedCommand): Promise<number> {
  return Promise.reject(new DeployError(`\`${parsed.command}\` is not implemented yet`));
}
