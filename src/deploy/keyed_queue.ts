/**
 * Tasks that must not overlap for the same key run one after another, in the
 * order they were queued; tasks of other keys run as they like.
 *
 * The pipeline copies to one host at a time: two `nix copy` into the same
 * nix-daemon at once can desynchronise its protocol when both send a path the
 * other has just made valid ("not an absolute path: 'nix-archive-1'",
 * NixOS/nix#6253 and #8731, seen here with Nix 2.8 through the built-in SSH
 * transport), and two copies share one uplink anyway.
 */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<unknown>>();

  /** Run `task` once every task queued before it under `key` has settled. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const before = this.#tails.get(key) ?? Promise.resolve();
    const result = before.then(task, task);
    const tail = result.then(() => {}, () => {});
    this.#tails.set(key, tail);
    // Forget a key once its last task is done, so the map does not grow.
    tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }
}
