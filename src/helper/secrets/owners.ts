/**
 * A secret's owner as numbers: its `user` and `group` looked up in the
 * host's /etc/passwd and /etc/group (a number is taken as it is). Names
 * that only a directory service knows (LDAP, systemd's dynamic users) are
 * not found: give the number then.
 */

export interface Owner {
  uid: number;
  gid: number;
}

/** The id of `name` in a passwd/group file's text, or undefined. */
export function idIn(text: string, name: string): number | undefined {
  if (/^[0-9]+$/.test(name)) return Number(name);
  for (const line of text.split("\n")) {
    const fields = line.split(":");
    if (fields[0] === name && /^[0-9]+$/.test(fields[2] ?? "")) return Number(fields[2]);
  }
  return undefined;
}

/** The name of id `id` in a passwd/group file's text, or the number. */
export function nameOf(text: string, id: number): string {
  for (const line of text.split("\n")) {
    const fields = line.split(":");
    if (fields[2] === String(id) && fields[0]) return fields[0];
  }
  return String(id);
}

function readOrEmpty(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

/** The owner of a secret, or why not: `unknown user postgres`. */
export function resolveOwner(user: string, group: string): Owner | { missing: string } {
  const uid = idIn(readOrEmpty("/etc/passwd"), user);
  if (uid === undefined) return { missing: `user ${user}` };
  const gid = idIn(readOrEmpty("/etc/group"), group);
  if (gid === undefined) return { missing: `group ${group}` };
  return { uid, gid };
}

/** Who the helper runs as: its uid and every group it is in. */
export interface Me {
  uid: number;
  gids: number[];
}

/** The helper's own uid and groups (/proc/self/status lists the supplementary ones). */
export function me(): Me {
  const gids = [Deno.gid() ?? 0];
  try {
    const line = Deno.readTextFileSync("/proc/self/status").split("\n")
      .find((l) => l.startsWith("Groups:"));
    gids.push(...(line?.slice(7).trim().split(/\s+/).filter(Boolean).map(Number) ?? []));
  } catch {
    // No /proc: chown says so itself.
  }
  return { uid: Deno.uid() ?? 0, gids };
}

/**
 * Why the helper cannot give a file this owner, or undefined: only root may
 * give a file away; anyone else keeps its uid and may pick one of its groups.
 */
export function ownerProblem(owner: Owner, who: Me): string | undefined {
  if (who.uid === 0) return undefined;
  if (owner.uid !== who.uid) return `user (uid ${owner.uid})`;
  if (!who.gids.includes(owner.gid)) return `group (gid ${owner.gid})`;
  return undefined;
}
