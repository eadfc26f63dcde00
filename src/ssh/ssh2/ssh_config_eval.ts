/**
 * ssh_config evaluated for one destination as OpenSSH's readconf.c does:
 * lines in order, the first value of an option wins (IdentityFile and the
 * other list options add up); `Host` patterns against the name as typed,
 * case counting; every `Match` criterion must hold (`host`: the HostName so
 * far, `user`: the User so far); `Include` read where it stands, only when
 * its block applies, with that block in force again after it.
 *
 * The ssh-config package splits the lines; its own `compute` is not used:
 * it reads commas in `Host` as lists, keeps one of repeated `Match`
 * criteria, lets an Include's `Host *` escape its block, and decides
 * `Match host` on a HostName keyword only when spelled so: each applies a
 * block to hosts OpenSSH would not apply it to.
 */
import SSHConfig from "ssh-config";
import { patternListMatches, wildcardMatches } from "./host_patterns.ts";

/** One config file's text, and where its relative Include lines look. */
export interface ConfigText {
  text: string;
  /** A user's file (~/.ssh/config, -F): relative Include from ~/.ssh; else from /etc/ssh. */
  userConfig: boolean;
}

export interface EvalStart {
  /** The destination's host as typed (what `Host` and `Match originalhost` see). */
  originalHost: string;
  /** The login user known before the files (-l, -o User, user@host). */
  user?: string;
  localUser: string;
  /** -o options, in order. */
  commandLine: [string, string][];
  /** The files an `Include` argument names (globs and `~` expanded), in order. */
  include: (pattern: string, userConfig: boolean) => ConfigText[];
}

/** Options by lower-cased keyword: one line's value, or every line's for list options. */
export type ConfigOptions = Record<string, string | string[]>;

/** Options that accumulate over lines, as OpenSSH's. */
const ADD_UP = new Set([
  "identityfile",
  "certificatefile",
  "localforward",
  "remoteforward",
  "dynamicforward",
  "sendenv",
  "setenv",
]);

const MAX_INCLUDE_DEPTH = 16;

type Line = {
  type: number;
  param: string;
  value: string | { val: string }[];
  config?: Line[];
};

function args(line: Line): string[] {
  return Array.isArray(line.value) ? line.value.map(({ val }) => val) : [line.value];
}

class Evaluation {
  readonly options: ConfigOptions = {};
  hostname?: string;
  user?: string;

  constructor(readonly start: EvalStart) {
    this.user = start.user;
    if (start.user !== undefined) this.options.user = start.user;
  }

  set(param: string, values: string[], where: string): void {
    const key = param.toLowerCase();
    if (key === "host" || key === "match" || key === "include") {
      throw new Error(`${where}: ${param} is not allowed here`);
    }
    if (ADD_UP.has(key)) {
      const list = (this.options[key] ??= []) as string[];
      list.push(...values);
      return;
    }
    if (this.options[key] !== undefined) return;
    const value = values.join(" ");
    this.options[key] = value;
    if (key === "hostname") this.hostname = value;
    if (key === "user") this.user = value;
  }

  /** OpenSSH's `Host` line: a matching negation vetoes, else any pattern matching the typed name. */
  hostApplies(patterns: string[]): boolean {
    return patternListMatches(patterns, this.start.originalHost);
  }

  /** The host `Match host` sees: HostName so far (`%h` expanded), else the typed name. */
  matchHost(): string {
    if (this.hostname === undefined) return this.start.originalHost;
    return this.hostname.replace(/%(.)/g, (all, c: string) => {
      if (c === "%") return "%";
      if (c === "h") return this.start.originalHost;
      throw new Error(`HostName ${this.hostname}: the token ${all} is not allowed in HostName`);
    });
  }

  /** OpenSSH's `Match` line: every criterion holds (each may be negated with `!`). */
  matchApplies(words: string[]): boolean {
    const line = `Match ${words.join(" ")}`;
    let all = false;
    let result = true;
    for (let i = 0; i < words.length; i++) {
      const negate = words[i].startsWith("!");
      const criterion = (negate ? words[i].slice(1) : words[i]).toLowerCase();
      if (criterion === "all") {
        if (words.length !== 1) throw new Error(`${line}: \`all\` must stand alone`);
        all = true;
        continue;
      }
      const arg = words[++i];
      if (arg === undefined) throw new Error(`${line}: ${criterion} needs a value`);
      const patterns = arg.split(",");
      let holds: boolean;
      switch (criterion) {
        case "host":
          holds = patternListMatches(patterns, this.matchHost(), lowered);
          break;
        case "originalhost":
          holds = patternListMatches(patterns, this.start.originalHost, lowered);
          break;
        case "user":
          holds = patternListMatches(patterns, this.user ?? this.start.localUser);
          break;
        case "localuser":
          holds = patternListMatches(patterns, this.start.localUser);
          break;
        default:
          throw new Error(
            `${line}: Match ${criterion} is not supported by the built-in SSH transport; ` +
              `use --transport openssh`,
          );
      }
      if (negate ? holds : !holds) result = false;
    }
    return all || result;
  }

  /** The lines of one file (or one block of it) when `active`. */
  lines(lines: Line[], active: boolean, file: ConfigText, depth: number): void {
    for (const line of lines) {
      if (line.type !== SSHConfig.DIRECTIVE) continue;
      const key = line.param.toLowerCase();
      if (key === "host") {
        this.lines(line.config ?? [], this.hostApplies(args(line)), file, depth);
      } else if (key === "match") {
        this.lines(line.config ?? [], this.matchApplies(args(line)), file, depth);
      } else if (key === "include") {
        // ssh reads an Include in a block that does not apply with nothing matching.
        if (!active) continue;
        if (depth >= MAX_INCLUDE_DEPTH) throw new Error("too many nested Include lines");
        for (const pattern of args(line)) {
          for (const included of this.start.include(pattern, file.userConfig)) {
            this.file(included, depth + 1);
          }
        }
      } else if (active) {
        this.set(line.param, args(line), line.param);
      }
    }
  }

  file(file: ConfigText, depth: number): void {
    this.lines(SSHConfig.parse(file.text) as unknown as Line[], true, file, depth);
  }
}

const lowered = (p: string, n: string) => wildcardMatches(p, n, { lowerPattern: true });

/** The options OpenSSH would compute for one destination from these files. */
export function evaluateConfig(files: readonly ConfigText[], start: EvalStart): ConfigOptions {
  const e = new Evaluation(start);
  for (const [key, value] of start.commandLine) {
    const parsed = SSHConfig.parse(`${key} ${value}`) as unknown as Line[];
    for (const line of parsed) {
      if (line.type === SSHConfig.DIRECTIVE) e.set(line.param, args(line), `-o ${key}`);
    }
  }
  for (const file of files) e.file(file, 0);
  return e.options;
}
