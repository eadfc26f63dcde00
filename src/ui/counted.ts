/** `1 node`, `2 nodes`: a count and its noun, as every line of deploy-ts's output says it. */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
