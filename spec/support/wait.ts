/** Waiting in tests: a pause, and a poll until a condition holds (bounded, naming what it waited for). */

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves once `cond()` holds (checked every 5 ms); throws naming `what` after `ms`. */
export async function until(cond: () => boolean, what = 'a condition', ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}
