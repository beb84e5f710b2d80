import { Injectable, Logger } from '@nestjs/common';
import { FanoutStatus } from '../fanout/fanout.status.js';
import { withDeadline } from '../fanout/redis-clients.js';
import { ApiError } from './api.error.js';

/**
 * Long enough for a loaded Redis, short enough that a caller's own timeout (often 2 to 5 s) sees
 * our 503 rather than a dropped request; the same as the readiness PING deadline.
 */
export const REDIS_DEADLINE_MS = 1000;

/**
 * Runs the API's Redis-backed steps with a deadline. ioredis queues commands for as long as Redis
 * is away (maxRetriesPerRequest: null), so without one an HTTP request would hang with them.
 */
@Injectable()
export class RedisDeadline {
  private readonly logger = new Logger('PublishApi');

  constructor(private readonly fanout: FanoutStatus) {}

  async run<T>(step: () => Promise<T>, what: string): Promise<T> {
    // Known down (lost connection, unanswered PING, missing permission): answer at once, and do
    // not add to the commands ioredis holds until Redis returns.
    // The reason (readiness shows it) stays out of the answer: it may name the Redis user.
    if (!this.fanout.current.up) throw ApiError.unavailable('Redis is unavailable; retry later');
    // The step's own failure is caught inside, so a rejection from withDeadline is the deadline.
    const settled = step().then(
      (value) => ({ value }),
      (err: unknown) => ({ err }),
    );
    let outcome: Awaited<typeof settled>;
    try {
      outcome = await withDeadline(settled, REDIS_DEADLINE_MS, what);
    } catch {
      throw ApiError.unavailable(
        `Redis did not answer within ${REDIS_DEADLINE_MS} ms; retry later`,
      );
    }
    if ('err' in outcome) {
      // A refused command (an ACL without the API's rules) or a connection closed at shutdown:
      // the caller may retry elsewhere; the log says what to fix.
      this.logger.error(
        { step: what, reason: (outcome.err as Error)?.message },
        'Redis step failed',
      );
      throw ApiError.unavailable('Redis refused the request; retry later');
    }
    return outcome.value;
  }
}
