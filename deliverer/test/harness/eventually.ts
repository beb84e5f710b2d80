import { setTimeout as delay } from 'node:timers/promises';

/**
 * Polls `check` until it returns true, for conditions that emit no event (an HTTP status, a
 * process state). Fails with `what` once `timeoutMs` has passed.
 */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
  intervalMs = 100,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (
      await Promise.resolve()
        .then(check)
        .catch(() => false)
    )
      return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await delay(intervalMs);
  }
}
