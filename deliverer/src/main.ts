import 'reflect-metadata';
import cluster from 'node:cluster';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { setupWorker } from '@socket.io/sticky';
import { Logger } from 'nestjs-pino';
import { installProcessGuards } from './app/process-guards.js';
import { serveClient } from './app/serve-client.js';
import { drainOnSignals } from './app/shutdown.js';
import { AppModule } from './app.module.js';
import { type AppConfig, loadConfig } from './config/app.config.js';
import { ConfigError } from './config/env.parsers.js';
import { RedisBootError } from './fanout/redis-clients.js';
import { RedisIoAdapter } from './fanout/redis-io.adapter.js';
import { holdEarlyConnections } from './workers/early-connections.js';
import { WORKER_READY } from './workers/workers.messages.js';
import { runPrimary } from './workers/workers.primary.js';

async function bootstrap(config: AppConfig): Promise<void> {
  const releaseEarlyConnections =
    config.workerId === undefined ? undefined : holdEarlyConnections();
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bufferLogs: true });
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
  serveClient(app, config, logger);
  await app.init();
  await adapter.ready();
  drainOnSignals(app, config, logger);

  if (config.workerId !== undefined) {
    // The primary owns the port and passes each connection to this worker's HTTP server.
    setupWorker(adapter.ioServer!);
    releaseEarlyConnections?.();
    process.send?.({ type: WORKER_READY });
    return;
  }
  await app.listen(config.port, config.host);
  logger.log({ port: config.port, adapter: config.adapter }, 'deliverer listening', 'Bootstrap');
}

function exitOnBootError(err: unknown): never {
  // Operators get one line naming what to fix, not a stack trace.
  if (err instanceof ConfigError || err instanceof RedisBootError) {
    process.stderr.write(`deliverer: ${err.message}\n`);
  } else {
    process.stderr.write(`deliverer: failed to start: ${(err as Error)?.stack ?? String(err)}\n`);
  }
  process.exit(1);
}

try {
  const config = loadConfig();
  if (config.workers > 0 && cluster.isPrimary) runPrimary(config);
  else bootstrap(config).catch(exitOnBootError);
} catch (err) {
  exitOnBootError(err);
}
