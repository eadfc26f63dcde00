/**
 * Data into Nix source. deploy-rs spliced node and profile names straight
 * into Nix code (reference §8); deploy-ts passes them only as the content of a
 * string literal, escaped here, and decoded in Nix with `builtins.fromJSON`.
 */

/** A Nix double-quoted string literal whose value is exactly `s`. */
export function nixStringLiteral(s: string): string {
  return `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("${", "\\${")}"`;
}

/** A Nix expression evaluating to the JSON value `value`. */
export function nixJsonValue(value: unknown): string {
  return `(builtins.fromJSON ${nixStringLiteral(JSON.stringify(value))})`;
}
