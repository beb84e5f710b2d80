import type { Redis } from 'ioredis';

// Redis refusals (NOPERM, WRONGTYPE) repeat until an operator acts; once a second is plenty.
const PAUSE_AFTER_REFUSAL_MS = 1000;

type Xread = (...args: unknown[]) => Promise<unknown>;

/**
 * @socket.io/redis-streams-adapter 0.3 re-issues XREAD at once after any error. An outage only
 * queues commands (maxRetriesPerRequest: null), but a reply Redis refuses comes back instantly,
 * and the loop spun at ~12,000 XREADs per second per replica (measured without +xread). This
 * makes a reader connection pause after a refusal.
 */
export function pauseReaderAfterRefusals(reader: Redis): void {
  const xread = reader.xread.bind(reader) as Xread;
  let refused = false;
  (reader as unknown as { xread: Xread }).xread = async (...xreadArgs) => {
    if (refused) {
      await new Promise((resolve) => setTimeout(resolve, PAUSE_AFTER_REFUSAL_MS).unref());
    }
    try {
      const result = await xread(...xreadArgs);
      refused = false;
      return result;
    } catch (err) {
      refused = (err as Error).name === 'ReplyError';
      throw err;
    }
  };
}
