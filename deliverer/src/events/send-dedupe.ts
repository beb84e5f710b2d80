import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { RedisLink } from '../fanout/redis-link.js';

/** How long a clientMsgId is remembered: longer than any client's retry of one send. */
export const DEDUPE_TTL_MS = 5 * 60_000;
const SWEEP_INTERVAL_MS = 30_000;

/**
 * Remembers which message id each dedupe key got (a socket's clientMsgId, an API idempotency key),
 * so a send repeated after a reconnect (its ack was lost in a drain) or an HTTP retry is answered
 * with the original id and broadcast only once. In Redis when the
 * replicas share one, since the retry usually lands on another replica.
 */
@Injectable()
export class SendDedupe implements OnModuleDestroy {
  private readonly local = new Map<string, { id: string; expiresAt: number }>();
  private readonly sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();

  constructor(private readonly redis: RedisLink) {}

  /** Records `id` for `key`; returns the id recorded first if there already was one. */
  async claim(key: string, id: string): Promise<string | undefined> {
    const link = this.redis.current;
    if (link) {
      // SET NX GET (Redis 7) claims and reads in one atomic step.
      const previous = await link.client.set(
        `${link.keyPrefix}:send:${key}`,
        id,
        'PX',
        DEDUPE_TTL_MS,
        'NX',
        'GET',
      );
      return previous ?? undefined;
    }
    const known = this.local.get(key);
    if (known && known.expiresAt > Date.now()) return known.id;
    this.local.set(key, { id, expiresAt: Date.now() + DEDUPE_TTL_MS });
    return undefined;
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.local) if (entry.expiresAt <= now) this.local.delete(key);
  }
}
