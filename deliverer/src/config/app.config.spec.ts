import { parseConfig } from './app.config.js';
import { ConfigError } from './env.parsers.js';

describe('parseConfig', () => {
  test('an empty environment gives the embedded default: one node, in-memory, port 3000', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      port: 3000,
      adapter: 'memory',
      redis: undefined,
      maxTextLength: 2000,
      maxPayloadBytes: 1e6,
      pingIntervalMs: 25_000,
      pingTimeoutMs: 20_000,
      logLevel: 'info',
      logFormat: 'json',
      corsOrigins: [],
    });
    expect(config.nodeName).toMatch(/\S/);
  });

  test('REDIS_URL alone selects the redis adapter with a default key prefix', () => {
    const config = parseConfig({ REDIS_URL: 'redis://:pw@redis:6379/0' });
    expect(config.adapter).toBe('redis');
    expect(config.redis).toMatchObject({
      sharded: false,
      keyPrefix: 'deliverer',
      connectTimeoutMs: 10_000,
    });
    expect(config.redis!.url.hostname).toBe('redis');
  });

  test('every variable is read and typed', () => {
    const config = parseConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      POD_NAME: 'deliverer-7d9f-abc',
      REDIS_URL: 'rediss://redis:6380',
      DELIVERER_ADAPTER: 'redis',
      REDIS_SHARDED: 'true',
      REDIS_KEY_PREFIX: 'tenant:a',
      CORS_ORIGINS: 'https://a.example.com, http://localhost:5173',
      MAX_TEXT_LENGTH: '500',
      MAX_PAYLOAD_BYTES: '65536',
      PING_INTERVAL_MS: '10000',
      PING_TIMEOUT_MS: '5000',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'pretty',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      nodeName: 'deliverer-7d9f-abc',
      adapter: 'redis',
      redis: { sharded: true, keyPrefix: 'tenant:a' },
      corsOrigins: ['https://a.example.com', 'http://localhost:5173'],
      maxTextLength: 500,
      maxPayloadBytes: 65536,
      pingIntervalMs: 10_000,
      pingTimeoutMs: 5000,
      logLevel: 'debug',
      logFormat: 'pretty',
    });
  });

  test('metrics listen on 9464 by default; METRICS_PORT=0 turns them off', () => {
    expect(parseConfig({}).metricsPort).toBe(9464);
    expect(parseConfig({ METRICS_PORT: '0' }).metricsPort).toBe(0);
  });

  test('blank values mean the default', () => {
    expect(parseConfig({ PORT: ' ', MAX_TEXT_LENGTH: '' })).toMatchObject({
      port: 3000,
      maxTextLength: 2000,
    });
  });

  test.each([
    [{ PORT: 'http' }, 'PORT', 'an integer from 0 to 65535'],
    [{ PORT: '3000.5' }, 'PORT', 'an integer'],
    [{ METRICS_PORT: '70000' }, 'METRICS_PORT', 'an integer from 0 to 65535'],
    [{ PORT: '9100', METRICS_PORT: '9100' }, 'METRICS_PORT', 'a port other than PORT'],
    [{ MAX_TEXT_LENGTH: '0' }, 'MAX_TEXT_LENGTH', 'an integer from 1 to 100000'],
    [{ MAX_PAYLOAD_BYTES: '10' }, 'MAX_PAYLOAD_BYTES', 'an integer from 1024'],
    [{ DELIVERER_ADAPTER: 'nats' }, 'DELIVERER_ADAPTER', 'one of memory, redis, redis-streams'],
    [{ DELIVERER_ADAPTER: 'redis-streams' }, 'DELIVERER_ADAPTER', 'memory unless REDIS_URL is set'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL', 'a URL starting with redis:// or rediss://'],
    [{ REDIS_URL: 'redis://r', REDIS_SHARDED: 'yes please' }, 'REDIS_SHARDED', 'true or false'],
    [
      { REDIS_URL: 'redis://r', DELIVERER_ADAPTER: 'redis-streams', REDIS_SHARDED: 'true' },
      'REDIS_SHARDED',
      'false unless',
    ],
    [
      { REDIS_URL: 'redis://r', REDIS_KEY_PREFIX: 'has space' },
      'REDIS_KEY_PREFIX',
      '1 to 64 letters',
    ],
    [{ POD_NAME: 'bad name!' }, 'POD_NAME', 'a name of letters'],
    [
      { CORS_ORIGINS: 'https://ok.example.com,ftp://bad' },
      'CORS_ORIGINS',
      'a comma-separated list',
    ],
    [
      { LOG_LEVEL: 'verbose' },
      'LOG_LEVEL',
      'one of fatal, error, warn, info, debug, trace, silent',
    ],
    [{ LOG_FORMAT: 'yaml' }, 'LOG_FORMAT', 'one of json, pretty'],
    [{ PING_TIMEOUT_MS: '10' }, 'PING_TIMEOUT_MS', 'an integer from 1000'],
    [{ AUTH_JWT_SECRET: 'short' }, 'AUTH_JWT_SECRET', 'at least 32 bytes'],
    [{ AUTH_JWKS_URL: 'ftp://idp/jwks' }, 'AUTH_JWKS_URL', 'a URL starting with https://'],
    [
      { AUTH_JWT_SECRET: 'x'.repeat(32), AUTH_JWKS_URL: 'https://idp/jwks' },
      'AUTH_JWKS_URL',
      'unset when AUTH_JWT_SECRET is set',
    ],
    [{ RATE_LIMIT_BURST: '0' }, 'RATE_LIMIT_BURST', 'an integer from 1'],
    [{ TRUSTED_PROXY_HOPS: '-1' }, 'TRUSTED_PROXY_HOPS', 'an integer from 0 to 10'],
    [{ ALLOW_BINARY: 'maybe' }, 'ALLOW_BINARY', 'true or false'],
    [{ PRESENCE_TTL_MS: '500' }, 'PRESENCE_TTL_MS', 'an integer from 1000'],
    [{ API_KEYS: `${'k'.repeat(24)},short` }, 'API_KEYS', 'comma-separated keys of at least 24'],
    [{ API_RATE_LIMIT_PER_SEC: '-1' }, 'API_RATE_LIMIT_PER_SEC', 'an integer from 0'],
  ])('%j is refused, naming %s and what it accepts', (env, variable, accepts) => {
    const error = captureError(() => parseConfig(env));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toContain(`${variable} must be ${accepts}`);
  });

  test('a refused AUTH_JWT_SECRET never echoes the secret', () => {
    const error = captureError(() => parseConfig({ AUTH_JWT_SECRET: 'hunter2hunter2' }));
    expect((error as Error).message).not.toContain('hunter2');
  });

  test('a refused API key never echoes the key', () => {
    const error = captureError(() => parseConfig({ API_KEYS: 'hunter2 hunter2 hunter2 hunter2' }));
    expect((error as Error).message).toContain('key 1 of 1');
    expect((error as Error).message).not.toContain('hunter2');
  });

  test('the publish API is off without keys', () => {
    expect(parseConfig({}).api.keys).toEqual([]);
    expect(parseConfig({ API_KEYS: ` ${'a'.repeat(24)} , ${'b'.repeat(30)} ` }).api.keys).toEqual([
      'a'.repeat(24),
      'b'.repeat(30),
    ]);
  });

  test('authentication is off by default and typed when on', () => {
    expect(parseConfig({}).auth).toBeUndefined();
    expect(
      parseConfig({ AUTH_JWKS_URL: 'https://idp.example/jwks.json', AUTH_AUDIENCE: 'deliverer' })
        .auth,
    ).toEqual({
      secret: undefined,
      jwksUrl: new URL('https://idp.example/jwks.json'),
      audience: 'deliverer',
      issuer: undefined,
    });
  });

  test('a refused REDIS_URL never echoes its password', () => {
    const error = captureError(() => parseConfig({ REDIS_URL: 'http://user:hunter2@redis:6379' }));
    expect((error as Error).message).not.toContain('hunter2');
  });
});

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}
