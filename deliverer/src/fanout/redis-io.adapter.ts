import type { IncomingMessage } from 'node:http';
import { type INestApplicationContext, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter as createClusterAdapter } from '@socket.io/cluster-adapter';
import {
  createAdapter as createPubSubAdapter,
  createShardedAdapter,
} from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { MessageMappingProperties } from '@nestjs/websockets';
import type { Server, ServerOptions, Socket } from 'socket.io';
import type { AppConfig, RedisConfig } from '../config/app.config.js';
import { engineSecurityHeaders } from '../app/security-headers.js';
import { handshakeAuth } from '../auth/handshake-auth.js';
import { TokenVerifier } from '../auth/token-verifier.js';
import { LifecycleState } from '../lifecycle/lifecycle.state.js';
import { resultOf } from '../metrics/event-results.js';
import { Metrics } from '../metrics/metrics.js';
import { ConnectionLimits } from './connection-limits.js';
import { FanoutStatus } from './fanout.status.js';
import { engineSessions } from './engine-io.js';
import { handshakeGate } from './handshake-gate.js';
import { originAllowed } from './origin-policy.js';
import { bindLeanHandlers } from './message-handlers.js';
import { OrderedStreams } from './ordered-streams.adapter.js';
import {
  adoptDuplicates,
  connectWithin,
  createRedisClient,
  withDeadline,
} from './redis-clients.js';
import { pauseReaderAfterRefusals } from './reader-backoff.js';
import { RedisHealthMonitor } from './redis-health.monitor.js';
import { RedisLink } from './redis-link.js';
import { RedisPermissions } from './redis-permissions.js';
import { dropSlowConsumers } from './slow-consumers.js';

const QUIT_DEADLINE_MS = 1000;
// Engine.IO's connection_error codes (engine.io Server.errors), as metric label values.
const ENGINE_ERRORS: Record<number, string> = {
  0: 'unknown_transport',
  1: 'unknown_session',
  2: 'bad_handshake_method',
  3: 'bad_request',
  4: 'forbidden',
  5: 'unsupported_protocol_version',
};

type AdapterFactory = NonNullable<ServerOptions['adapter']>;

/**
 * Joins every replica through Redis so a broadcast on one reaches clients on all of them.
 * It owns its Redis clients: it connects them before the server listens, watches them, and quits
 * them in dispose(), which Nest calls after close() on shutdown.
 */
export class RedisIoAdapter extends IoAdapter {
  private readonly log = new Logger(RedisIoAdapter.name);
  private readonly clients: Redis[] = [];
  private readonly status: FanoutStatus;
  private readonly lifecycle: LifecycleState;
  private readonly link: RedisLink;
  private readonly verifier: TokenVerifier;
  private readonly metrics: Metrics;
  private stopSlowConsumerSweep?: () => void;
  private adapterFactory?: AdapterFactory;
  private ordered?: OrderedStreams;
  private monitor?: RedisHealthMonitor;
  private permissions?: RedisPermissions;
  private server?: Server;

  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app);
    this.status = app.get(FanoutStatus);
    this.lifecycle = app.get(LifecycleState);
    this.link = app.get(RedisLink);
    this.verifier = app.get(TokenVerifier);
    this.metrics = app.get(Metrics);
  }

  /** The Socket.IO server, once Nest has created it. */
  get ioServer(): Server | undefined {
    return this.server;
  }

  /** Connects to Redis when the configured backend needs it; throws RedisBootError on timeout. */
  async connect(): Promise<void> {
    const { adapter, redis } = this.config;
    if (adapter === 'memory' || !redis) {
      // Worker mode without Redis: the primary relays broadcasts between its workers.
      if (this.config.workerId !== undefined) this.adapterFactory = createClusterAdapter();
      return;
    }
    const pub = this.open(redis, 'pub');
    const sub = adapter === 'redis' ? this.open(redis, 'sub') : undefined;
    try {
      await Promise.all(
        this.clients.map((c) => connectWithin(c, redis.url, redis.connectTimeoutMs)),
      );
    } catch (err) {
      this.disconnectAll();
      throw err;
    }
    this.adapterFactory = sub
      ? this.pubSubFactory(redis, pub, sub)
      : this.streamsFactory(redis, pub);
    this.link.attach(pub, redis.keyPrefix);
    this.monitor = new RedisHealthMonitor(this.clients, this.status);
    this.monitor.start();
    // Probed on the connections opened here: the streams adapter's own join `clients` as they
    // are opened, and are still connecting now.
    const probed = sub ? [pub, sub] : [pub];
    this.permissions = new RedisPermissions(redis, adapter, probed, this.status);
    this.log.log(
      { adapter, sharded: redis.sharded, keyPrefix: redis.keyPrefix },
      'connected to Redis',
    );
  }

  override createIOServer(port: number, options?: Partial<ServerOptions>): Server {
    const { config } = this;
    const server: Server = super.createIOServer(port, {
      ...options,
      transports: ['websocket', 'polling'],
      // The Vue client bundles socket.io-client; /socket.io/socket.io.js would bypass every middleware.
      serveClient: false,
      // CORS covers polling only; allowRequest checks the Origin on both transports.
      allowRequest: (req, callback) => {
        const allowed = originAllowed(req, {
          origins: config.corsOrigins,
          allowNoOrigin: config.allowNoOrigin,
        });
        callback(allowed ? null : 'origin not allowed', allowed);
      },
      cors: {
        origin: config.corsOrigins.includes('*') ? true : [...config.corsOrigins],
        credentials: true,
      },
      // A cookie lets load balancers pin long-polling clients to one replica (cookie affinity).
      cookie: { name: 'io', httpOnly: true, path: '/', sameSite: 'lax' },
      maxHttpBufferSize: config.maxPayloadBytes,
      pingInterval: config.pingIntervalMs,
      pingTimeout: config.pingTimeoutMs,
      // Off so broadcasts go out as one pre-encoded frame shared by every socket.
      perMessageDeflate: false,
      // Only the streams adapter persists sessions where another replica can restore them.
      ...(config.adapter === 'redis-streams' && {
        connectionStateRecovery: {
          maxDisconnectionDuration: config.recoveryWindowMs,
          // A recovered session is authenticated again: a revoked or expired token must not ride
          // recovery back in. OrderedStreams keeps what arrives while the middleware runs.
          skipMiddlewares: false,
        },
      }),
    } satisfies Partial<ServerOptions> as ServerOptions);
    if (this.adapterFactory) server.adapter(this.adapterFactory);
    // First of the engine middlewares, so their refusals carry the headers too.
    engineSecurityHeaders(server.engine);
    server.engine.on(
      'connection_error',
      (err: { req: IncomingMessage; code: number; message: string; context?: unknown }) => {
        this.log.warn(
          {
            origin: err.req.headers.origin ?? null,
            code: err.code,
            reason: err.message,
            context: err.context,
          },
          'handshake refused',
        );
        refused(ENGINE_ERRORS[err.code] ?? 'bad_request');
      },
    );
    const refused = (reason: string) => this.metrics.handshakesRefused.labels(reason).inc();
    const sessions = engineSessions(server.engine);
    server.engine.use(handshakeGate(this.lifecycle, (sid) => sid in sessions, refused));
    new ConnectionLimits(config, this.log, refused).install(server.engine);
    this.stopSlowConsumerSweep = dropSlowConsumers(
      server.engine,
      config.maxBufferedBytes,
      this.log,
      () => this.metrics.slowConsumersDropped.inc(),
    );
    // First listener of all: a recovered socket gets what it missed before any handler runs.
    if (this.ordered) server.on('connection', (socket) => this.ordered!.onConnection(socket));
    if (this.verifier.enabled) server.use(handshakeAuth(this.verifier, this.log, refused));
    this.server = server;
    return server;
  }

  private readonly observeEvent = (event: string) => {
    const started = performance.now();
    return (errorCode: string | undefined) => {
      this.metrics.countEvent(event, resultOf(errorCode));
      this.metrics.timeEvent(event, (performance.now() - started) / 1000);
    };
  };

  override bindMessageHandlers(socket: Socket, handlers: MessageMappingProperties[]): void {
    bindLeanHandlers(socket, handlers, this.observeEvent, this.logger);
  }

  // IoAdapter wraps each gateway's hook in a closure and a once() wrapper per socket; a socket
  // disconnects once, so the hook itself can listen.
  override bindClientDisconnect(socket: Socket, callback: (reason: string) => void): void {
    socket.on('disconnect', callback);
  }

  /** Resolves when the server can take connections: with redis-streams, once its reader runs. */
  async ready(): Promise<void> {
    // Lacking a Redis permission, the replica serves unready instead of crash-looping; the check
    // repeats and, once the permission is granted, waits for the reader itself.
    if (this.permissions && !(await this.permissions.start(() => this.readerRuns()))) return;
    await this.readerRuns();
  }

  private async readerRuns(): Promise<void> {
    if (!this.ordered || !this.server) return;
    await this.ordered.ready(this.server.of('/').adapter, this.config.redis!.connectTimeoutMs);
  }

  override async dispose(): Promise<void> {
    this.ordered?.close();
    this.monitor?.stop();
    this.permissions?.stop();
    this.stopSlowConsumerSweep?.();
    await Promise.all(
      this.clients.map((client) =>
        // quit() waits for Redis, which may be the thing that is down.
        withDeadline(client.quit(), QUIT_DEADLINE_MS, 'Redis QUIT').catch(() =>
          client.disconnect(),
        ),
      ),
    );
  }

  private pubSubFactory(redis: RedisConfig, pub: Redis, sub: Redis): AdapterFactory {
    return redis.sharded
      ? createShardedAdapter(pub, sub, {
          channelPrefix: redis.keyPrefix,
          subscriptionMode: 'dynamic',
        })
      : createPubSubAdapter(pub, sub, { key: redis.keyPrefix });
  }

  private streamsFactory(redis: RedisConfig, client: Redis): AdapterFactory {
    // The library opens its reader and its request subscriber with duplicate(); a reader whose
    // reconnect lags the others left local delivery stalled behind a green /readyz.
    let copies = 0;
    adoptDuplicates(client, (copy) => {
      pauseReaderAfterRefusals(copy);
      copy.options.connectionName = `deliverer:${this.config.nodeName}:streams-${++copies}`;
      this.own(copy, `streams-${copies}`);
      this.monitor?.watch(copy);
    });
    this.ordered = new OrderedStreams(client, {
      streamName: `${redis.keyPrefix}:stream`,
      channelPrefix: redis.keyPrefix,
      sessionKeyPrefix: `${redis.keyPrefix}:session:`,
      blockTimeInMs: redis.streamsBlockMs,
    });
    return this.ordered.factory as AdapterFactory;
  }

  private open(redis: RedisConfig, role: string): Redis {
    return this.own(
      createRedisClient(redis.url, `deliverer:${this.config.nodeName}:${role}`),
      role,
    );
  }

  private own(client: Redis, role: string): Redis {
    // Without a listener ioredis prints every failed reconnect; the monitor logs the outage once.
    client.on('error', (err: Error) => {
      this.metrics.redisErrors.labels(role).inc();
      this.log.debug({ role, err: err.message }, 'Redis error');
    });
    client.on('reconnecting', () => this.metrics.redisReconnects.labels(role).inc());
    this.clients.push(client);
    return client;
  }

  private disconnectAll(): void {
    for (const client of this.clients) client.disconnect();
  }
}
