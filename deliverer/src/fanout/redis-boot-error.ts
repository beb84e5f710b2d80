/** Raised when Redis cannot be reached at boot; main.ts turns it into one line and exit code 1. */
export class RedisBootError extends Error {
  readonly variable = 'REDIS_URL';
}
