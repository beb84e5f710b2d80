import cluster from 'node:cluster';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { setupWorker } from '@socket.io/sticky';
import { Logger } from 'nestjs-pino';
import { AppModule } from '../app.module.js';
import type { AppConfig } from '../config/app.config.js';
import { RedisIoAdapter } from '../fanout/redis-io.adapter.js';
import { bindSessionsBeforeHandshake } from '../workers/bind-sessions-early.js';
import { WORKER_READY } from '../workers/workers.messages.js';
import { runPrimary } from '../workers/workers.primary.js';
import { installProcessGuards } from './process-guards.js';
import { securityHeaders } from './security-headers.js';
import { serveClient } from './serve-client.js';
import { drainOnSignals } from './shutdown.js';

/** Starts this process's part: the primary of worker mode, or a gateway (alone or a worker). */
export async function start(
  config: AppConfig,
  releaseEarlyConnections?: () => void,
): Promise<void> {
  if (config.workers > 0 && cluster.isPrimary) return runPrimary(config);
  await bootstrap(config, releaseEarlyConnections);
}

async function bootstrap(config: AppConfig, releaseEarlyConnections?: () => void): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    bufferLogs: true,
    // No route takes a body; a parser would only echo malformed input back in its 400.
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
  await app.listen(config.port, config.host);
  logger.log({ port: config.port, adapter: config.adapter }, 'deliverer listening', 'Bootstrap');
}
