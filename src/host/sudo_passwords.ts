/**
 * Interactive sudo on one login: whether sudo asks for the password to run
 * as a profile's user (sudoProbeArgv), and whether it takes the one given,
 * each asked once per sudo command and target user. The password is tried
 * alone (sudoPasswordCheckArgv) before any command whose stdin holds more:
 * `sudo -S` reads a refused password's next line as another attempt, and
 * that line would be the request line (secrets' values, health checks)
 * handed to PAM.
 */
import type { ProfilePlan } from "../config/plan.ts";
import { DeployError } from "../shared/errors.ts";
import type { Transport } from "../ssh/transport.ts";
import {
  type ElevationSettings,
  stdinFor,
  sudoPasswordCheckArgv,
  sudoProbeArgv,
} from "./elevation.ts";

export class SudoPasswords {
  readonly #asks = new Map<string, Promise<boolean>>();
  readonly #taken = new Map<string, Promise<boolean>>();

  constructor(readonly transport: Pick<Transport, "run" | "destination">) {}

  /**
   * Whether sudo asks. Anything but a clear "no" (exit 0) counts as asking:
   * the password then goes to `sudo -S`, which reads it only when it
   * authenticates.
   */
  asks(s: ElevationSettings): Promise<boolean> {
    return once(
      this.#asks,
      s,
      () => this.transport.run(sudoProbeArgv(s)).then((r) => r.code !== 0, () => true),
    );
  }

  /** Throws a DeployError naming the profile when sudo refuses the password. */
  async check(p: ProfilePlan, password: string): Promise<void> {
    const s = p.settings;
    const taken = await once(
      this.#taken,
      s,
      () =>
        this.transport.run(sudoPasswordCheckArgv(s), { input: stdinFor(password) })
          .then((r) => r.code === 0, () => false),
    );
    if (!taken) {
      throw new DeployError(
        `sudo on ${this.transport.destination} refused the password of ${s.sshUser} (to run as ` +
          `${s.user}); nothing else was sent to it`,
        { node: p.node, profile: p.profile },
      );
    }
  }
}

function once(
  cache: Map<string, Promise<boolean>>,
  s: ElevationSettings,
  ask: () => Promise<boolean>,
): Promise<boolean> {
  const key = JSON.stringify([s.sshUser, s.sudo, s.user]);
  if (!cache.has(key)) cache.set(key, ask());
  return cache.get(key)!;
}
