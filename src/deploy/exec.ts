/**
 * `deploy exec`: one command on every selected node at once (within
 * `jobs`), over the transport and host-key policy a deployment uses, as the
 * node's sshUser or, with `as`, through the node's sudo. The command's words
 * are joined with spaces and read by the remote shell, as `ssh host CMD…`
 * reads them, so pipes and redirections work. One login per host: nodes
 * that reach a host the same way share it.
 */
import type { ProfilePlan } from "../config/plan.ts";
import type { ProfileSettings } from "../config/settings.ts";
import { DeployError } from "../shared/errors.ts";
import type { Transport } from "../ssh/transport.ts";
import { transportFor } from "../ssh/select.ts";
import { groupByNode } from "../plan/node_groups.ts";
import { elevationPrefix, needsPassword, stdinFor, sudoProbeArgv } from "../host/elevation.ts";
import { type Connect, SharedLogins } from "../host/sessions.ts";
import { mapLimit } from "./limit.ts";

export interface ExecOptions {
  plan: readonly ProfilePlan[];
  /** The command's words, joined with spaces for the remote shell. */
  command: readonly string[];
  /** `--as USER`: run through the node's `sudo` as this user instead of as sshUser. */
  as?: string;
  jobs: number;
  /** Sudo passwords by node (interactiveSudo with `as`); see {@link execPasswordNeeds}. */
  passwords: ReadonlyMap<string, string>;
  /** How a node's host is reached (tests give a fake). */
  connect?: Connect;
  /** A line the command wrote, as it arrives. */
  onLine?: (node: string, stream: "stdout" | "stderr", line: string) => void;
  /** The command starts on a node (after its login). */
  onStart?: (node: string, destination: string) => void;
  /** The command ended on a node, or could not run there. */
  onEnd?: (result: ExecResult) => void;
}

/** What happened on one node. */
export interface ExecResult {
  node: string;
  /** `user@host`. */
  destination: string;
  /** The command's exit code; null when it was killed or never ran. */
  code: number | null;
  /** Set when the command did not run or did not end by itself (login failed, killed). */
  error?: string;
  ok: boolean;
}

/** The settings a node's command runs with: its first profile's, with `as` as the user. */
function nodeSettings(p: ProfilePlan, as: string | undefined): ProfileSettings {
  return { ...p.settings, user: as ?? p.settings.sshUser };
}

/** The nodes whose sudo may want a password for `as` (interactiveSudo), with the user it is for. */
export function execPasswordNeeds(
  plan: readonly ProfilePlan[],
  as: string | undefined,
): { node: string; user: string }[] {
  if (as === undefined) return [];
  return groupByNode(plan).flatMap(({ node, profiles }) =>
    needsPassword(nodeSettings(profiles[0], as)) ? [{ node, user: as }] : []
  );
}

/** The argv run on the host: the shell, behind the node's sudo when `as` asks for another user. */
export function execArgv(
  s: ProfileSettings,
  command: readonly string[],
  sudoAsks = false,
): string[] {
  return [...elevationPrefix(s, sudoAsks), "sh", "-c", command.join(" ")];
}

/** Run the command on every node of the plan; one result per node, in plan order. */
export async function execOnNodes(o: ExecOptions): Promise<ExecResult[]> {
  // One login per way of reaching a host, as a deployment has (host/sessions.ts).
  const logins = new SharedLogins<Transport>(o.connect ?? transportFor);
  try {
    // A host's login closes when its command is done (see host/sessions.ts).
    return await mapLimit(
      groupByNode(o.plan),
      o.jobs,
      logins.holding(async ({ node, profiles }) => {
        const result = await execOnNode(o, node, profiles[0], (p) => logins.login(p));
        o.onEnd?.(result);
        return result;
      }),
    );
  } finally {
    await logins.closeAll();
  }
}

async function execOnNode(
  o: ExecOptions,
  node: string,
  p: ProfilePlan,
  login: (p: ProfilePlan) => Promise<Transport | Error>,
): Promise<ExecResult> {
  const destination = `${p.settings.sshUser}@${p.hostname}`;
  const transport = await login(p);
  if (transport instanceof Error) {
    return { node, destination, code: null, error: `no login: ${transport.message}`, ok: false };
  }
  const s = nodeSettings(p, o.as);
  const password = needsPassword(s) ? o.passwords.get(node) : undefined;
  // Only a sudo that asks gets the password: one that does not would hand it to the command.
  const sudoAsks = password !== undefined &&
    (await transport.run(sudoProbeArgv(s)).then((r) => r.code !== 0, () => true));
  o.onStart?.(node, transport.destination);
  try {
    const r = await transport.run(execArgv(s, o.command, sudoAsks), {
      input: stdinFor(sudoAsks ? password : undefined),
      onStdoutLine: (line) => o.onLine?.(node, "stdout", line),
      onStderrLine: (line) => o.onLine?.(node, "stderr", line),
      context: { node },
    });
    if (r.code === null) {
      const how = r.timedOut ? "timed out" : `killed by ${r.signal}`;
      return { node, destination: transport.destination, code: null, error: how, ok: false };
    }
    return { node, destination: transport.destination, code: r.code, ok: r.code === 0 };
  } catch (e) {
    return {
      node,
      destination: transport.destination,
      code: null,
      error: (e as Error).message,
      ok: false,
    };
  }
}

/** The error that ends a run where the command failed somewhere, naming each node and why. */
export function execFailure(results: readonly ExecResult[]): DeployError | undefined {
  const failed = results.filter((r) => !r.ok);
  if (failed.length === 0) return undefined;
  const why = failed.map((r) =>
    `${r.node} (${r.code !== null && r.error === undefined ? `exit ${r.code}` : r.error})`
  );
  return new DeployError(
    `the command failed on ${failed.length} of ${results.length} nodes: ${why.join(", ")}`,
  );
}
