/**
 * `deploy exec [--on …] [targets] [--as USER] -- CMD…`: the plan says which
 * nodes and how to reach them; the command runs on all of them at once
 * (src/deploy/exec.ts); its lines come back prefixed with their node (or as
 * JSON lines with --json), then the exit code of each node.
 */
import process from "node:process";
import { resolvePlan } from "../plan/resolve_plan.ts";
import { execFailure, execOnNodes, execPasswordNeeds } from "../deploy/exec.ts";
import {
  type ExecEvent,
  formatExecJson,
  formatExecLine,
  formatExecSummary,
} from "../ui/exec_format.ts";
import { askHidden, passwordFromEnvironment } from "../ui/password.ts";
import { showEscaped } from "../ui/host_text.ts";
import { askYesNo } from "../ui/prompt.ts";
import { execView } from "../ui/exec_view.ts";
import { counted } from "../ui/counted.ts";
import { CancelledError } from "../shared/errors.ts";
import type { DeployFlags } from "./flags.ts";

/** The exec view on stderr, redrawn each second and on a resize; `finish` stops both. */
function liveExecView(nodes: string[]) {
  const stderr = process.stderr;
  const view = execView((s) => void stderr.write(s), nodes, {
    size: () => ({ width: stderr.columns || 100, height: stderr.rows || 24 }),
    color: !process.env.NO_COLOR,
  });
  const tick = setInterval(view.draw, 1000);
  const resized = () => view.draw();
  stderr.on("resize", resized);
  return {
    ...view,
    finish() {
      clearInterval(tick);
      stderr.off("resize", resized);
      view.finish();
    },
  };
}

export async function execCommand(flags: DeployFlags): Promise<number> {
  const { command, as } = flags.exec!;
  // Which hosts and how to reach them: the nodes' settings, not the
  // pre-deploy checks nor the profiles' paths (a system's evaluation each).
  const { plan, warnings } = await resolvePlan({ ...flags, skipChecks: true, paths: false });
  for (const w of warnings) process.stderr.write(`deploy: warning: ${showEscaped(w)}\n`);
  if (flags.interactive) {
    const nodes = [...new Set(plan.map((p) => p.node))];
    process.stderr.write(
      `The command ${JSON.stringify(command.join(" "))} is going to run${
        as === undefined ? "" : ` as ${as}`
      } on ${counted(nodes.length, "node")}: ${nodes.join(", ")}\n`,
    );
    if (!await askYesNo("Are you sure you want to run it?")) {
      throw new CancelledError("exec cancelled; nothing was run");
    }
  }
  const passwords = new Map<string, string>();
  for (const { node, user } of execPasswordNeeds(plan, as)) {
    passwords.set(
      node,
      passwordFromEnvironment(node) ?? await askHidden(`(sudo for ${user} on ${node}) Password: `),
    );
  }
  const json = (event: ExecEvent) => void process.stdout.write(formatExecJson(event));
  // On a terminal (both streams), a row per node under the output as it scrolls by.
  const view = !flags.json && flags.progress && process.stderr.isTTY && process.stdout.isTTY
    ? liveExecView([...new Set(plan.map((p) => p.node))])
    : undefined;
  let results;
  try {
    results = await execOnNodes({
      plan,
      command,
      ...(as === undefined ? {} : { as }),
      jobs: flags.jobs,
      passwords,
      onLine: (node, stream, line) => {
        if (flags.json) json({ type: "exec-output", node, stream, line });
        else if (view) view.line(node, line);
        else {(stream === "stdout" ? process.stdout : process.stderr).write(
            formatExecLine(node, line),
          );}
      },
      onStart: (node, destination) => {
        if (flags.json) json({ type: "exec-start", node, destination });
        view?.start(node);
      },
      onEnd: (result) => {
        if (flags.json) json({ type: "exec-end", ...result });
        view?.end(result);
      },
    });
  } finally {
    view?.finish();
  }
  const failure = execFailure(results);
  if (flags.json) json({ type: "exec-summary", ok: failure === undefined, nodes: results });
  else process.stderr.write(`\n${formatExecSummary(results)}`);
  if (failure) throw failure;
  return 0;
}
