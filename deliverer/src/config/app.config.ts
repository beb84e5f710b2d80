import { availableParallelism, hostname } from 'node:os';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, type Env, bool, int, list, oneOf, optionalUrl, text } from './env.parsers.js';
import { TOPOLOGY } from './topology.js';

export const ADAPTERS = ['memory', 'redis', 'redis-streams'] as const;
export type AdapterKind = (typeof ADAPTERS)[number];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Handshake authentication; undefined when neither AUTH_JWT_SECRET nor AUTH_JWKS_URL is set. */
export interface AuthConfig {
  /** HS256 shared secret. */
  secret?: string;
  /** JSON Web Key Set of an identity provider (RS256, ES256, EdDSA…). */
  jwksUrl?: URL;
  audience?: string;
  issuer?: string;
}

export interface RateLimitConfig {
  /** Sustained events per second per socket; 0 turns the limit off. */
  perSec: number;
  burst: number;
  /** Refused events within 10 s after which the socket is disconnected. */
  disconnectAfter: number;
}

/** The HTTP publish API for backend services; off when API_KEYS is empty. */
export interface ApiConfig {
  /** Bearer keys; each is a secret, never logged. */
  keys: readonly string[];
  /** Sustained requests per second per key, across the cluster when Redis is shared; 0 is off. */
  ratePerSec: number;
  burst: number;
}

export interface RedisConfig {
  url: URL;
  sharded: boolean;
  keyPrefix: string;
  connectTimeoutMs: number;
  streamsBlockMs: number;
}

/**
 * The validated, typed configuration. The class is the injection token; instances are plain
 * objects made by `loadConfig`, the only code that reads `process.env`.
 */
export abstract class AppConfig {
  declare readonly port: number;
  /** Port of the Prometheus endpoint, never exposed by the Service or Ingress; 0 turns it off. */
  declare readonly metricsPort: number;
  declare readonly host: string;
  declare readonly nodeName: string;
  declare readonly adapter: AdapterKind;
  /** Present whenever `adapter` is not `memory`. */
  declare readonly redis: RedisConfig | undefined;
  /** Empty means same-origin only; `*` reflects any origin. */
  declare readonly corsOrigins: readonly string[];
  /** Whether handshakes without an Origin header (server-side clients) are accepted. */
  declare readonly allowNoOrigin: boolean;
  declare readonly auth: AuthConfig | undefined;
  declare readonly rateLimit: RateLimitConfig;
  /** Sessions this process accepts; more get 503 so the load balancer tries another replica. */
  declare readonly maxConnections: number;
  /** Sessions per client IP; 0 is unlimited. */
  declare readonly maxConnectionsPerIp: number;
  /** Proxies in front whose X-Forwarded-For entry is trusted to name the client IP. */
  declare readonly trustedProxyHops: number;
  /** Whether events may carry binary attachments. */
  declare readonly allowBinary: boolean;
  /** Outbound bytes a socket may have pending before it is dropped as a slow consumer. */
  declare readonly maxBufferedBytes: number;
  declare readonly maxTextLength: number;
  /** Rooms one socket may be in at once. */
  declare readonly maxRoomsPerSocket: number;
  /**
   * How long a crashed replica's members stay in presence, and how long a member whose session may
   * still be recovered elsewhere is kept before it is announced as gone.
   */
  declare readonly presenceTtlMs: number;
  declare readonly api: ApiConfig;
  declare readonly maxPayloadBytes: number;
  declare readonly pingIntervalMs: number;
  declare readonly pingTimeoutMs: number;
  declare readonly logLevel: (typeof LOG_LEVELS)[number];
  declare readonly logFormat: 'json' | 'pretty';
  /** Connection State Recovery window (redis-streams only). */
  declare readonly recoveryWindowMs: number;
  /** After SIGTERM: serve while the load balancer drops this replica. */
  declare readonly drainDelayMs: number;
  /** Then spread the disconnects of local sockets over this window. */
  declare readonly drainWindowMs: number;
  /** Worker processes on this machine (Node cluster); 0 runs the app in this process. */
  declare readonly workers: number;
  /** Set in a worker process by the primary. */
  declare readonly workerId: number | undefined;
  declare readonly clientDir: string;
}

/**
 * The repository's (or the image's) client/dist: the nearest ancestor with a client folder. The
 * same code runs from src/config/, from the bundled dist/main.js and in the image.
 */
function defaultClientDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'client')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'client', 'dist');
}

const DEFAULT_CLIENT_DIR = defaultClientDir();

export function parseConfig(env: Env): AppConfig {
  const redisUrl = optionalUrl(env, 'REDIS_URL', ['redis:', 'rediss:']);
  const adapter = oneOf(env, 'DELIVERER_ADAPTER', ADAPTERS, redisUrl ? 'redis' : 'memory');
  if (adapter !== 'memory' && !redisUrl) {
    throw new ConfigError('DELIVERER_ADAPTER', `memory unless REDIS_URL is set`, adapter);
  }
  const sharded = bool(env, 'REDIS_SHARDED', false);
  if (sharded && adapter !== 'redis') {
    throw new ConfigError('REDIS_SHARDED', 'false unless DELIVERER_ADAPTER is redis', 'true');
  }
  const pingIntervalMs = int(env, 'PING_INTERVAL_MS', {
    min: 1000,
    max: 600_000,
    fallback: 25_000,
  });
  const workers = int(env, 'DELIVERER_WORKERS', {
    min: 0,
    max: 256,
    fallback: 0,
    aliases: { auto: availableParallelism },
  });
  const workerId = env.DELIVERER_WORKER_ID
    ? int(env, 'DELIVERER_WORKER_ID', { min: 1, max: 10_000, fallback: 1 })
    : undefined;
  const podName = text(env, 'POD_NAME', {
    pattern: /^[\w.-]{1,253}$/,
    accepts: 'a name of letters, digits, dots, dashes and underscores',
    fallback: hostname(),
  });
  const port = int(env, 'PORT', { min: 0, max: 65_535, fallback: TOPOLOGY.port });
  const metricsPort = int(env, 'METRICS_PORT', {
    min: 0,
    max: 65_535,
    fallback: TOPOLOGY.metricsPort,
  });
  if (metricsPort !== 0 && metricsPort === port) {
    throw new ConfigError('METRICS_PORT', 'a port other than PORT, or 0', String(metricsPort));
  }
  return {
    port,
    metricsPort,
    host: text(env, 'HOST', {
      pattern: /^[\w.:-]+$/,
      accepts: 'a host name or IP address',
      fallback: '0.0.0.0',
    }),
    nodeName: workerId === undefined ? podName : `${podName}-w${workerId}`,
    adapter,
    redis: redisUrl && {
      url: redisUrl,
      sharded,
      keyPrefix: text(env, 'REDIS_KEY_PREFIX', {
        pattern: /^[\w:.-]{1,64}$/,
        accepts: '1 to 64 letters, digits, colons, dots, dashes or underscores',
        fallback: 'deliverer',
      }),
      connectTimeoutMs: int(env, 'REDIS_CONNECT_TIMEOUT_MS', {
        min: 100,
        max: 600_000,
        fallback: 10_000,
      }),
      streamsBlockMs: int(env, 'REDIS_STREAMS_BLOCK_MS', { min: 10, max: 60_000, fallback: 5000 }),
    },
    corsOrigins: list(env, 'CORS_ORIGINS', {
      pattern: /^(\*|https?:\/\/[\w.-]+(:\d+)?)$/,
      accepts: 'origins like https://app.example.com, or *',
    }),
    allowNoOrigin: bool(env, 'ALLOW_NO_ORIGIN', true),
    auth: authConfig(env),
    rateLimit: {
      perSec: int(env, 'RATE_LIMIT_PER_SEC', { min: 0, max: 100_000, fallback: 20 }),
      burst: int(env, 'RATE_LIMIT_BURST', { min: 1, max: 100_000, fallback: 40 }),
      disconnectAfter: int(env, 'RATE_LIMIT_DISCONNECT_AFTER', {
        min: 1,
        max: 1_000_000,
        fallback: 100,
      }),
    },
    maxConnections: int(env, 'MAX_CONNECTIONS', { min: 1, max: 10_000_000, fallback: 20_000 }),
    maxConnectionsPerIp: int(env, 'MAX_CONNECTIONS_PER_IP', {
      min: 0,
      max: 10_000_000,
      fallback: 0,
    }),
    trustedProxyHops: int(env, 'TRUSTED_PROXY_HOPS', { min: 0, max: 10, fallback: 0 }),
    allowBinary: bool(env, 'ALLOW_BINARY', false),
    maxBufferedBytes: int(env, 'MAX_BUFFERED_BYTES', {
      min: 16_384,
      max: 1_000_000_000,
      fallback: 4_194_304,
    }),
    maxTextLength: int(env, 'MAX_TEXT_LENGTH', { min: 1, max: 100_000, fallback: 2000 }),
    maxRoomsPerSocket: int(env, 'MAX_ROOMS_PER_SOCKET', { min: 1, max: 10_000, fallback: 50 }),
    presenceTtlMs: int(env, 'PRESENCE_TTL_MS', { min: 1000, max: 600_000, fallback: 15_000 }),
    api: apiConfig(env),
    maxPayloadBytes: int(env, 'MAX_PAYLOAD_BYTES', { min: 1024, max: 100_000_000, fallback: 1e6 }),
    pingIntervalMs,
    pingTimeoutMs: int(env, 'PING_TIMEOUT_MS', { min: 1000, max: 600_000, fallback: 20_000 }),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    logFormat: oneOf(env, 'LOG_FORMAT', ['json', 'pretty'] as const, 'json'),
    recoveryWindowMs: int(env, 'RECOVERY_WINDOW_MS', {
      min: 1000,
      max: 86_400_000,
      fallback: TOPOLOGY.recoveryWindowMs,
    }),
    drainDelayMs: int(env, 'DRAIN_DELAY_MS', {
      min: 0,
      max: 600_000,
      fallback: TOPOLOGY.drainDelayMs,
    }),
    drainWindowMs: int(env, 'DRAIN_WINDOW_MS', {
      min: 0,
      max: 600_000,
      fallback: TOPOLOGY.drainWindowMs,
    }),
    workers,
    workerId,
    clientDir: text(env, 'CLIENT_DIR', {
      pattern: /^.+$/,
      accepts: 'a directory path',
      fallback: DEFAULT_CLIENT_DIR,
    }),
  };
}

// Long enough that guessing one is hopeless; keys are compared in constant time.
const MIN_API_KEY_LENGTH = 24;

function apiConfig(env: Env): ApiConfig {
  const keys = (env.API_KEYS ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean);
  keys.forEach((key, i) => {
    // The error names the key by position: its value is a secret and must not reach a log.
    if (key.length < MIN_API_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
      throw new ConfigError(
        'API_KEYS',
        `comma-separated keys of at least ${MIN_API_KEY_LENGTH} printable characters without spaces`,
        `key ${i + 1} of ${keys.length}: ${key.length} characters`,
      );
    }
  });
  return {
    keys,
    ratePerSec: int(env, 'API_RATE_LIMIT_PER_SEC', { min: 0, max: 100_000, fallback: 50 }),
    burst: int(env, 'API_RATE_LIMIT_BURST', { min: 1, max: 100_000, fallback: 100 }),
  };
}

function authConfig(env: Env): AuthConfig | undefined {
  const secret = env.AUTH_JWT_SECRET?.trim() || undefined;
  // A short HS256 secret can be brute-forced offline from any token (RFC 7518 §3.2).
  if (secret !== undefined && Buffer.byteLength(secret) < 32) {
    throw new ConfigError('AUTH_JWT_SECRET', 'at least 32 bytes', `${secret.length} characters`);
  }
  const jwksUrl = optionalUrl(env, 'AUTH_JWKS_URL', ['https:', 'http:']);
  const claim = (name: string) =>
    text(env, name, {
      pattern: /^[^\s]{0,512}$/,
      accepts: 'a value without spaces',
      fallback: '',
    }) || undefined;
  const audience = claim('AUTH_AUDIENCE');
  const issuer = claim('AUTH_ISSUER');
  if (secret && jwksUrl) {
    throw new ConfigError('AUTH_JWKS_URL', 'unset when AUTH_JWT_SECRET is set', jwksUrl.href);
  }
  if (!secret && !jwksUrl) return undefined;
  return { secret, jwksUrl, audience, issuer };
}

let loaded: AppConfig | undefined;

/** Validates `process.env` once per process; later calls return the same object. */
export function loadConfig(): AppConfig {
  loaded ??= Object.freeze(parseConfig(process.env));
  return loaded;
}
