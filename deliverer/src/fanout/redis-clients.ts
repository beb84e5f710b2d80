import { Redis } from 'ioredis';
import { redactUrl } from '../config/env.parsers.js';
import { RedisBootError } from './redis-boot-error.js';

export { RedisBootError };

const RECONNECT_BASE_MS = 100;
const RECONNECT_MAX_MS = 2000;

export function createRedisClient(url: URL, connectionName: string): Redis {
  return new Redis(url.toString(), {
    connectionName,
    lazyConnect: true,
    // @socket.io/redis-adapter never handles the promise publish() returns; with the default of 20
    // retries, ioredis rejects queued commands during an outage of ~10 s and the unhandled rejection
    // kills the replica. null keeps them queued until Redis returns.
    maxRetriesPerRequest: null,
    // Jitter spreads the reconnects of many replicas after a Redis restart.
    retryStrategy: (attempt) =>
      Math.min(RECONNECT_BASE_MS * 2 ** Math.min(attempt, 10), RECONNECT_MAX_MS) *
      (0.5 + Math.random() / 2),
  });
}

/**
 * Hands every connection that `client.duplicate()` opens to `adopt` before it connects: libraries
 * open their own reader and subscriber connections, which this app must still watch and close.
 */
export function adoptDuplicates(client: Redis, adopt: (duplicate: Redis) => void): void {
  const duplicate = client.duplicate.bind(client);
  client.duplicate = ((...args: Parameters<Redis['duplicate']>) => {
    const copy = duplicate(...args);
    adopt(copy);
    return copy;
  }) as Redis['duplicate'];
}

/**
 * Connects and waits until the client is ready, retrying (through ioredis' retryStrategy) until
 * the deadline. Rejects with a RedisBootError naming the URL without its password.
 */
export async function connectWithin(client: Redis, url: URL, timeoutMs: number): Promise<void> {
  let lastError = 'no answer';
  const onError = (err: Error) => {
    lastError = err.message || err.name;
  };
  client.on('error', onError);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.off('ready', onReady);
        reject(
          new RedisBootError(
            `REDIS_URL: cannot reach Redis at ${redactUrl(url)} within ${timeoutMs} ms (${lastError})`,
          ),
        );
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      client.once('ready', onReady);
      // The first failed attempt rejects connect(), but ioredis keeps retrying; the deadline decides.
      client.connect().catch(onError);
    });
  } finally {
    client.off('error', onError);
  }
}

/** Resolves with the value, or rejects once the deadline passes; the caller keeps its promise. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
