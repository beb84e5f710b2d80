import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../config/app.config.js';
import { EventRateLimiter } from '../events/rate-limit.js';
import { RedisLink } from '../fanout/redis-link.js';
import { RedisDeadline } from './redis-deadline.js';

export type ApiRateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * One token bucket per API key, refilled with the time of Redis itself (TIME), so replicas whose
 * clocks differ still share one bucket; read, refilled, taken from and written back in one atomic
 * script. The key expires once the bucket would be full again, which is the same as no key.
 * Returns { allowed (1 or 0), milliseconds until the next token }.
 */
const TAKE_TOKEN_LUA = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * 1000 / rate) + 1000)
return { allowed, wait }
`;

const COMMAND = 'delivererApiTakeToken';
type TakeToken = (bucket: string, perSec: number, burst: number) => Promise<[number, number]>;

/**
 * API_RATE_LIMIT_PER_SEC / API_RATE_LIMIT_BURST per API key. With Redis the bucket is shared by
 * every replica, so N replicas do not allow N times the limit; without Redis there is one replica
 * (or workers behind the cluster adapter, each with its own buckets) and it counts in memory.
 */
@Injectable()
export class ApiRateLimiter {
  private readonly local = new Map<string, EventRateLimiter>();
  private readonly scripted = new WeakSet<Redis>();

  constructor(
    private readonly config: AppConfig,
    private readonly redis: RedisLink,
    private readonly deadline: RedisDeadline,
  ) {}

  async take(keyId: string): Promise<ApiRateDecision> {
    const { ratePerSec, burst } = this.config.api;
    if (ratePerSec === 0) return { allowed: true };
    const link = this.redis.current;
    if (!link) return this.takeLocal(keyId);
    // Under the `api:` prefix of the idempotency keys; a key id is hex, so never `rate`.
    const bucket = `${link.keyPrefix}:api:rate:${keyId}`;
    const [allowed, retryAfterMs] = await this.deadline.run(
      () => this.command(link.client)(bucket, ratePerSec, burst),
      'API rate limit',
    );
    return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterMs };
  }

  private takeLocal(keyId: string): ApiRateDecision {
    let bucket = this.local.get(keyId);
    if (!bucket) {
      // Only admitted keys get here, so the map holds at most one bucket per configured key.
      const { ratePerSec: perSec, burst } = this.config.api;
      bucket = new EventRateLimiter({ perSec, burst, disconnectAfter: Number.MAX_SAFE_INTEGER });
      this.local.set(keyId, bucket);
    }
    const decision = bucket.take();
    return decision.allowed ? decision : { allowed: false, retryAfterMs: decision.retryAfterMs };
  }

  /** ioredis sends EVALSHA, and EVAL once after a NOSCRIPT (a restarted or flushed Redis). */
  private command(client: Redis): TakeToken {
    if (!this.scripted.has(client)) {
      client.defineCommand(COMMAND, { numberOfKeys: 1, lua: TAKE_TOKEN_LUA });
      this.scripted.add(client);
    }
    const commands = client as unknown as Record<typeof COMMAND, TakeToken>;
    return commands[COMMAND].bind(client);
  }
}
