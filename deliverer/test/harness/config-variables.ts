import { parseConfig } from '../../src/config/app.config.js';

/**
 * Every environment variable the config module reads, found by letting it read an empty
 * environment through a proxy: derived from the code, so it cannot drift from it.
 */
export function configVariables(): Set<string> {
  const read = new Set<string>();
  const env = new Proxy({} as Record<string, string | undefined>, {
    get: (_target, key) => {
      if (typeof key !== 'string') return undefined;
      read.add(key);
      // With a Redis URL the module also reads the Redis settings.
      return key === 'REDIS_URL' ? 'redis://redis:6379' : undefined;
    },
  });
  parseConfig(env);
  return read;
}
