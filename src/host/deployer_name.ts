/** Who is deploying, as the host's record names them: `user@machine` of the deployer. */
import { hostname, userInfo } from "node:os";

/** Who is deploying, for the host's record. */
export function deployerName(): string {
  return `${userInfo().username}@${hostname()}`;
}
