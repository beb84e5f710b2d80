import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';

/**
 * The adapter's command connection, lent to features that keep state in Redis (send dedupe).
 * The adapter opens and closes it; borrowers never quit it.
 */
@Injectable()
export class RedisLink {
  private link?: { client: Redis; keyPrefix: string };

  attach(client: Redis, keyPrefix: string): void {
    this.link = { client, keyPrefix };
  }

  /** Undefined while the replica runs on the in-memory adapter. */
  get current(): { client: Redis; keyPrefix: string } | undefined {
    return this.link;
  }
}
