/**
 * The user's connection-sharing options, taken out of sshOpts for
 * deploy-ts's own connections. OpenSSH keeps the first value of an option,
 * so a `ControlPath` (or `-S`) in sshOpts would beat deploy-ts's own: the
 * "fresh" confirmation of magic rollback would ride the user's existing
 * connection (deploy-rs #106), and closing deploy-ts's master would close
 * the user's. deploy-rs PR #358 strips them the same way.
 */

/** ssh's getopt string (OpenSSH 9): letters followed by ":" take an argument. */
const SSH_GETOPT = "1246ab:c:e:fgi:kl:m:no:p:qstvxAB:CD:E:F:GI:J:KL:MNO:P:Q:R:S:TVw:W:XYy";
const TAKES_ARGUMENT = new Set(
  [...SSH_GETOPT.matchAll(/([A-Za-z0-9]):/g)].map((m) => m[1]),
);
const SHARING_OPTIONS = new Set(["controlpath", "controlmaster", "controlpersist"]);

export interface Stripped {
  /** sshOpts without connection sharing, in order. */
  kept: string[];
  /** What was taken out, as the user wrote it (for the warning). */
  removed: string[];
}

/** Split `-o` values like ssh does: `Name=value` or `Name value`. */
function optionName(value: string): string {
  return value.trimStart().split(/[=\s]/)[0].toLowerCase();
}

/**
 * sshOpts without `-S path`, `-M` and `-o ControlPath/ControlMaster/
 * ControlPersist`, in any spelling ssh accepts (`-oName=v`, `-o Name v`,
 * `-MS path`, …). Words after `--` or a non-option are left alone (pure; tested).
 */
export function stripConnectionSharing(sshOpts: readonly string[]): Stripped {
  const kept: string[] = [];
  const removed: string[] = [];
  for (let i = 0; i < sshOpts.length; i++) {
    const word = sshOpts[i];
    if (word === "--" || !word.startsWith("-") || word === "-") {
      kept.push(...sshOpts.slice(i));
      break;
    }
    const first = i;
    // A cluster of flags, the last of which may take an argument.
    const keptWords: string[] = [];
    let changed = false;
    for (let j = 1; j < word.length; j++) {
      const flag = word[j];
      if (!TAKES_ARGUMENT.has(flag)) {
        if (flag === "M") {
          removed.push("-M");
          changed = true;
        } else keptWords.push(`-${flag}`);
        continue;
      }
      const attached = word.slice(j + 1);
      const argument = attached !== "" ? attached : sshOpts[++i];
      const written = attached !== "" ? [`-${flag}${attached}`] : [`-${flag}`, argument];
      if (
        argument !== undefined &&
        (flag === "S" || (flag === "o" && SHARING_OPTIONS.has(optionName(argument))))
      ) {
        removed.push(written.join(" "));
        changed = true;
      } else keptWords.push(...written.filter((w) => w !== undefined));
      break;
    }
    // Unchanged words stay exactly as the user wrote them.
    kept.push(...(changed ? keptWords : sshOpts.slice(first, i + 1)));
  }
  return { kept, removed };
}
