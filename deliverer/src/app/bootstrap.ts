import cluster from 'node:cluster';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { setupWorker } from '@socket.io/sticky';
import { Logger } from 'nestjs-pino';
import { serveApiDocs } from '../api/api-docs.js';
import { AppModule } from '../app.module.js';
import type { AppConfig } from '../config/app.config.js';
import { RedisIoAdapter } from '../fanout/redis-io.adapter.js';
import { bindSessionsBeforeHandshake } from '../workers/bind-sessions-early.js';
import { WORKER_READY } from '../workers/workers.messages.js';
import { runPrimary } from '../workers/workers.primary.js';
import type { EarlyListener } from './early-listener.js';
import { installProcessGuards } from './process-guards.js';
import { securityHeaders } from './security-headers.js';
import { serveClient } from './serve-client.js';
import { drainOnSignals } from './shutdown.js';

/** What main.ts did before loading the app, to catch connections that arrive meanwhile. */
export interface EarlyHold {
  /** Worker mode: replays the connections the primary handed over during boot. */
  releaseEarlyConnections?: () => void;
  /** A single process: the port, already bound, with the connections held on it. */
  early?: EarlyListener;
}

/** Starts this process's part: the primary of worker mode, or a gateway (alone or a worker). */
export async function start(config: AppConfig, hold: EarlyHold = {}): Promise<void> {
  if (config.workers > 0 && cluster.isPrimary) return runPrimary(config);
  await bootstrap(config, hold);
}

async function bootstrap(
  config: AppConfig,
  { releaseEarlyConnections, early }: EarlyHold,
): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    bufferLogs: true,
    // Only the publish API takes a body, and reads it itself once the caller is admitted
    // (api/json-body.interceptor.ts); an app-wide parser would read every route's, key or not.
    bodyParser: false,
  });
  const logger = app.get(Logger);
  app.useLogger(logger);
  installProcessGuards(logger);

  const adapter = new RedisIoAdapter(app, config);
  try {
    await adapter.connect();
  } catch (err) {
    await app.close();
    throw err;
  }
  app.useWebSocketAdapter(adapter);
  securityHeaders(app);
  serveApiDocs(app, config);
  serveClient(app, config, logger);
  await app.init();
  await adapter.ready();
  drainOnSignals(app, config, logger);

  if (config.workerId !== undefined) {
    // The primary owns the port and passes each connection to this worker's HTTP server.
    setupWorker(adapter.ioServer!);
    bindSessionsBeforeHandshake(adapter.ioServer!);
    releaseEarlyConnections?.();
    process.send?.({ type: WORKER_READY });
    return;
  }
  if (early) {
    // Node's listen() adopts the bound server's handle: the port never closes in between.
    await app.listen(early.handle as never);
    early.release(app.getHttpServer());
  } else {
    await app.listen(config.port, config.host);
  }
  logger.log({ port: config.port, adapter: config.adapter }, 'deliverer listening', 'Bootstrap');
}
