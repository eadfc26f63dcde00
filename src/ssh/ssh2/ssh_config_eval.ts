/**
 * ssh_config evaluated for one destination as OpenSSH's readconf.c does:
 * lines in order, the first value of an option wins (IdentityFile and the
 * other list options add up); `Host` patterns against the name as typed,
 * case counting; every `Match` criterion must hold (`host`: the HostName so
 * far, `user`: the User so far); `Include` read where it stands, only when
 * its block applies, with that block in force again after it. A line is
 * split as ssh splits it (`keyword[ =]args`, single and double quotes,
 * backslash escapes, `#` starting a word ends the line).
 *
 * Neither the ssh-config package's parser nor its `compute` is used: it
 * keeps single quotes, reads commas in `Host` as lists, keeps one of
 * repeated `Match` criteria, lets an Include's `Host *` escape its block,
 * and decides `Match host` on a HostName keyword only when spelled so; each
 * applies a block to hosts OpenSSH would not apply it to.
 */
import { asciiLower, patternListMatches, wildcardMatches } from "./host_patterns.ts";

/** One config file's text, and where its relative Include lines look. */
export interface ConfigText {
  text: string;
  /** Where it came from, for messages. */
  name: string;
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
  /** Every keyword ssh knows (lower-cased); any other is refused, as ssh refuses it. */
  keywords?: ReadonlySet<string>;
  /** What must hold of every option line, also where its block does not apply (as ssh checks). */
  check?: (keyword: string, args: string[], where: string) => void;
}

/** Options by lower-cased keyword: one line's arguments, or every line's for list options. */
export type ConfigOptions = Record<string, string[]>;

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

/** readconf's WHITESPACE: a form feed is none (it is part of a word), but ends a line. */
const BLANKS = " \t\r\n";

/**
 * misc.c's strdelim: the first word of `s` (one pair of double quotes
 * taken off; one `=` may stand for the blanks after it) and the rest, or no
 * word at all for an unterminated quote.
 */
function firstWord(s: string): { word?: string; rest?: string } {
  const at = [...s].findIndex((c) => BLANKS.includes(c) || c === '"' || c === "=");
  if (at < 0) return { word: s };
  const skipBlanks = (i: number) => {
    while (i < s.length && BLANKS.includes(s[i])) i++;
    return i;
  };
  if (s[at] === '"') {
    const close = s.indexOf('"', at + 1);
    if (close < 0) return {};
    return { word: s.slice(0, at) + s.slice(at + 1, close), rest: s.slice(skipBlanks(close + 1)) };
  }
  let i = skipBlanks(at + 1);
  if (s[at] !== "=" && s[i] === "=") i = skipBlanks(i + 1);
  return { word: s.slice(0, at), rest: s.slice(i) };
}

/**
 * One line as readconf splits it: the keyword (lower-cased, ASCII only) and
 * its arguments, or undefined for a blank or comment line. A NUL ends the
 * line, as it ends ssh's C string; a line with a keyword and nothing after
 * it is an error wherever it stands.
 */
export function splitConfigLine(
  raw: string,
): { keyword: string; args: string[]; rest: string } | undefined {
  const nul = raw.indexOf("\0");
  const line = (nul < 0 ? raw : raw.slice(0, nul)).replace(/[ \t\r\n\f]+$/, "");
  if (line === "") return undefined;
  let { word, rest } = firstWord(line);
  if (word === "" && rest !== undefined) ({ word, rest } = firstWord(rest));
  if (word === undefined || word === "" || word.startsWith("#")) return undefined;
  const keyword = asciiLower(word);
  const args = rest?.replace(/^[ \t\r\n]+/, "") ?? "";
  if (args === "") throw new Error(`no argument after keyword "${keyword}"`);
  return { keyword, args: splitArguments(args), rest: args };
}

/**
 * ProxyJump's value as ssh reads it: the text after the keyword up to the
 * first blank, quotes and all (not split into words as other options are).
 */
function firstBlankWord(rest: string): string {
  // Blanks and `=` before the value are skipped (`ProxyJump==bastion` is bastion).
  return rest.replace(/^[ \t\r\n=]+/, "").split(/[ \t\r\n]/)[0];
}

/**
 * A Match line's words as match_cfg_line reads them, one strdelim at a time:
 * double quotes taken off a word, single quotes and backslashes kept, `=`
 * a delimiter; a word starting with `#` or an empty word ends the line.
 */
function matchWords(rest: string): string[] {
  const words: string[] = [];
  let s: string | undefined = rest;
  while (s !== undefined && s !== "") {
    const { word, rest: after } = firstWord(s);
    if (word === undefined) throw new Error("unterminated quote in Match");
    if (word === "" || word.startsWith("#")) break;
    words.push(word);
    s = after;
  }
  return words;
}

/** OpenSSH's argv_split with comments ending the line. */
export function splitArguments(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === " " || s[i] === "\t") {
      i++;
      continue;
    }
    if (s[i] === "#") break;
    let quote = "";
    let arg = "";
    for (; i < s.length; i++) {
      const c = s[i];
      if (c === "\\") {
        const n = s[i + 1];
        if (n === "'" || n === '"' || n === "\\" || (quote === "" && n === " ")) i++;
        arg += s[i];
      } else if (quote === "" && (c === " " || c === "\t")) break;
      else if (quote === "" && (c === '"' || c === "'")) quote = c;
      else if (quote !== "" && c === quote) quote = "";
      else arg += c;
    }
    if (quote !== "") throw new Error(`unterminated quote in ${JSON.stringify(s)}`);
    out.push(arg);
  }
  return out;
}

const lowered = (p: string, n: string) => wildcardMatches(p, n, { lowerPattern: true });

class Evaluation {
  readonly options: ConfigOptions = {};
  hostname?: string;
  user?: string;

  constructor(readonly start: EvalStart) {
    this.user = start.user;
    if (start.user !== undefined) this.options.user = [start.user];
  }

  set(key: string, args: string[], where: string): void {
    if (key === "host" || key === "match" || key === "include") {
      throw new Error(`${where}: ${key} is not allowed here`);
    }
    if (args.length === 0 || args.some((a) => a === "")) {
      throw new Error(`${where}: ${key} needs a value`);
    }
    if (ADD_UP.has(key)) {
      (this.options[key] ??= []).push(...args);
      return;
    }
    // ssh: whichever of ProxyCommand and ProxyJump comes first, the other is ignored.
    if (key === "proxyjump" && this.options.proxycommand) return;
    if (key === "proxycommand" && this.options.proxyjump) return;
    if (this.options[key] !== undefined) return;
    this.options[key] = args;
    if (key === "hostname") this.hostname = args[0];
    if (key === "user") this.user = args[0];
  }

  /** Whether an IgnoreUnknown in force by now names this keyword ssh does not know. */
  ignoredUnknown(keyword: string): boolean {
    const patterns = this.options.ignoreunknown?.join(",").split(",") ?? [];
    return patternListMatches(patterns, keyword, lowered);
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
  matchApplies(words: string[], where: string): boolean {
    const line = `${where}: Match ${words.join(" ")}`;
    if (words.length === 0) throw new Error(`${line}: no criteria`);
    let result = true;
    for (let i = 0; i < words.length; i++) {
      const negate = words[i].startsWith("!");
      const criterion = asciiLower(negate ? words[i].slice(1) : words[i]);
      if (criterion === "all") {
        if (words.length !== 1 || negate) throw new Error(`${line}: \`all\` must stand alone`);
        continue;
      }
      if (!["host", "originalhost", "user", "localuser"].includes(criterion)) {
        // Before reading an argument: `final` and `canonical` take none.
        throw new Error(
          `${line}: Match ${criterion} is not supported by the built-in SSH transport; ` +
            `use --transport openssh`,
        );
      }
      const arg = words[++i];
      if (arg === undefined || arg === "") throw new Error(`${line}: ${criterion} needs a value`);
      const patterns = arg.split(",");
      let holds: boolean;
      switch (criterion) {
        // match_hostname lower-cases the host as well as the patterns.
        case "host":
          holds = patternListMatches(patterns, asciiLower(this.matchHost()), lowered);
          break;
        case "originalhost":
          holds = patternListMatches(patterns, asciiLower(this.start.originalHost), lowered);
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
    return result;
  }

  /**
   * One file: its top is in force, each Host or Match line decides the lines
   * after it. An Include in a block that does not apply is still read, with
   * nothing in it applying (`neverMatch`), as ssh reads it: its owner and
   * mode are checked and its lines must parse.
   */
  file(file: ConfigText, depth: number, neverMatch = false): void {
    let active = !neverMatch;
    file.text.split("\n").forEach((raw, n) => {
      const where = `${file.name} line ${n + 1}`;
      let line;
      try {
        line = splitConfigLine(raw);
      } catch (e) {
        throw new Error(`${where}: ${(e as Error).message}`);
      }
      if (!line) return;
      const { keyword } = line;
      const args = keyword === "proxyjump"
        ? [firstBlankWord(line.rest)]
        : keyword === "match"
        ? matchWords(line.rest)
        : line.args;
      if (this.start.keywords !== undefined && !this.start.keywords.has(keyword)) {
        if (this.ignoredUnknown(keyword)) return;
        throw new Error(`${where}: Bad configuration option: ${keyword}`);
      }
      if (keyword === "host") {
        if (args.length === 0 || args.includes("")) throw new Error(`${where}: empty Host pattern`);
        active = !neverMatch && patternListMatches(args, this.start.originalHost);
      } else if (keyword === "match") {
        // Decided also where nothing applies: a criterion the transport cannot
        // decide (`final`, `exec`, …) is refused wherever ssh would act on it.
        const applies = this.matchApplies(args, where);
        active = !neverMatch && applies;
      } else if (keyword === "include") {
        if (depth >= MAX_INCLUDE_DEPTH) throw new Error(`${where}: too many nested Include lines`);
        for (const pattern of args) {
          for (const included of this.start.include(pattern, file.userConfig)) {
            this.file(included, depth + 1, !active);
          }
        }
      } else {
        this.start.check?.(keyword, args, where);
        if (active) this.set(keyword, args, where);
      }
    });
  }
}

/** The options OpenSSH would compute for one destination from these files. */
export function evaluateConfig(files: readonly ConfigText[], start: EvalStart): ConfigOptions {
  const e = new Evaluation(start);
  for (const [key, value] of start.commandLine) {
    const args = asciiLower(key) === "proxyjump" ? [firstBlankWord(value)] : splitArguments(value);
    start.check?.(asciiLower(key), args, `-o ${key}`);
    e.set(asciiLower(key), args, `-o ${key}`);
  }
  for (const file of files) e.file(file, 0);
  return e.options;
}
