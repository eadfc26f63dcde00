/**
 * Time for durations and deadlines: a monotonic clock, which a step of the
 * wall clock (NTP, a resumed VM, an operator's `date -s`) does not move.
 * Date.now() is only for timestamps people read. Timers (setTimeout, and
 * with it run's timeoutMs) already count monotonic time.
 */
import { performance } from "node:perf_hooks";

/** Milliseconds since an arbitrary start, never going back or jumping. */
export function monotonicMs(): number {
  return performance.now();
}
