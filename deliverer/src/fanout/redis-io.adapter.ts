import type { IncomingMessage } from 'node:http';
import { type INestApplicationContext, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter as createClusterAdapter } from '@socket.io/cluster-adapter';
import {
  createAdapter as createPubSubAdapter,
  createShardedAdapter,
} from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { Server, ServerOptions } from 'socket.io';
import type { AppConfig, RedisConfig } from '../config/app.config.js';
import { LifecycleState } from '../lifecycle/lifecycle.state.js';
import { FanoutStatus } from './fanout.status.js';
import { handshakeGate } from './handshake-gate.js';
import { originAllowed } from './origin-policy.js';
import { OrderedStreams } from './ordered-streams.adapter.js';
import { connectWithin, createRedisClient, withDeadline } from './redis-clients.js';
import { RedisHealthMonitor } from './redis-health.monitor.js';
import { RedisLink } from './redis-link.js';

const QUIT_DEADLINE_MS = 1000;

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
  private adapterFactory?: AdapterFactory;
  private ordered?: OrderedStreams;
  private monitor?: RedisHealthMonitor;
  private server?: Server;

  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app);
    this.status = app.get(FanoutStatus);
    this.lifecycle = app.get(LifecycleState);
    this.link = app.get(RedisLink);
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
          skipMiddlewares: true,
        },
      }),
    } satisfies Partial<ServerOptions> as ServerOptions);
    if (this.adapterFactory) server.adapter(this.adapterFactory);
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
      },
    );
    // engine.io keeps its sessions in a field its types mark protected.
    const sessions = (server.engine as unknown as { clients: Record<string, unknown> }).clients;
    server.engine.use(handshakeGate(this.lifecycle, (sid) => sid in sessions));
    this.server = server;
    return server;
  }

  /** Resolves when the server can take connections: with redis-streams, once its reader runs. */
  async ready(): Promise<void> {
    if (!this.ordered || !this.server) return;
    await this.ordered.ready(this.server.of('/').adapter, this.config.redis!.connectTimeoutMs);
  }

  override async dispose(): Promise<void> {
    this.ordered?.close();
    this.monitor?.stop();
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
    this.ordered = new OrderedStreams(client, {
      streamName: `${redis.keyPrefix}:stream`,
      channelPrefix: redis.keyPrefix,
      sessionKeyPrefix: `${redis.keyPrefix}:session:`,
      blockTimeInMs: redis.streamsBlockMs,
    });
    return this.ordered.factory as AdapterFactory;
  }

  private open(redis: RedisConfig, role: string): Redis {
    const client = createRedisClient(redis.url, `deliverer:${this.config.nodeName}:${role}`);
    // Without a listener ioredis prints every failed reconnect; the monitor logs the outage once.
    client.on('error', (err: Error) => this.log.debug({ role, err: err.message }, 'Redis error'));
    this.clients.push(client);
    return client;
  }

  private disconnectAll(): void {
    for (const client of this.clients) client.disconnect();
  }
}
