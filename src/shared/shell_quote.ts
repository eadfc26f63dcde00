/**
 * Quoting for the one place deploy-ts must pass an argv through a shell: the
 * remote command of an SSH session, which OpenSSH hands to the login shell of
 * the SSH user as a single string.
 *
 * POSIX single quotes take every byte literally except `'` itself, which is
 * written as `'\''`. Words made only of characters no shell treats specially
 * are left bare so that commands stay readable in debug logs.
 */

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quote one word so that a POSIX shell reads it back unchanged. */
export function shellQuote(word: string): string {
  if (word !== "" && SAFE_WORD.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Quote an argv into one command line that a POSIX shell splits back into the same argv. */
export function shellQuoteArgv(argv: readonly string[]): string {
  return argv.map(shellQuote).join(" ");
}

/**
 * Split a string into words the way a POSIX shell would, without expansions:
 * single quotes, double quotes (with `\` escaping `"`, `\`, `$` and a backtick),
 * and backslash escapes outside quotes. Used for `--ssh-opts` and `NIX_SSHOPTS`-style
 * strings, where deploy-rs split on single spaces (deploy-rs #130).
 */
export function shellSplit(input: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (c === "'") {
      const end = input.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated single quote in: ${input}`);
      word += input.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      inWord = true;
      while (true) {
        if (i >= input.length) throw new Error(`unterminated double quote in: ${input}`);
        const d = input[i];
        if (d === '"') {
          i++;
          break;
        }
        if (d === "\\" && i + 1 < input.length && '"\\$`\n'.includes(input[i + 1])) {
          if (input[i + 1] !== "\n") word += input[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
    } else if (c === "\\") {
      if (i + 1 < input.length) {
        if (input[i + 1] !== "\n") word += input[i + 1];
        inWord = true;
      }
      i += 2;
    } else if (c === " " || c === "\t" || c === "\n") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      i++;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}
