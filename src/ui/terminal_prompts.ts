/**
 * Prompts and the live view share one terminal: while a prompt waits for an
 * answer (a sudo password, a key's passphrase asked mid-run), the view does
 * not draw over it, and afterwards it starts a new frame below the prompt.
 */
let active = 0;
let finished = 0;

/** Run a prompt with the live view held back. */
export async function whilePrompting<T>(prompt: () => Promise<T>): Promise<T> {
  active++;
  try {
    return await prompt();
  } finally {
    active--;
    finished++;
  }
}

/** Whether a prompt is waiting now, and how many have finished so far. */
export function promptState(): { active: boolean; finished: number } {
  return { active: active > 0, finished };
}
