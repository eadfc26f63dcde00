/**
 * Compile-time checks that two declarations of one shape agree, e.g. a zod
 * schema and the TypeScript type it validates: `const _: Same<A, B> = true`
 * fails to compile unless A and B are the same type (an optional field that
 * only one of them has is a difference too, which mutual assignability misses).
 */
export type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2)
  ? true
  : false;
