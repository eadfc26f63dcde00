/** The on-host helper: `deploy activate|wait|confirm|revoke …`. */
import { DeployError } from "../errors.ts";

export function helperMain(argv: readonly string[]): Promise<number> {
  return Promise.reject(new DeployError(`\`${argv[0]}\` is not implemented yet`));
}
