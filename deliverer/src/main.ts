import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { installProcessGuards } from './app/process-guards.js';
import { serveClient } from './app/serve-client.js';
import { drainOnSignals } from './app/shutdown.js';
import { AppModule } from './app.module.js';
import { loadConfig } from './config/app.config.js';
import { ConfigError } from './config/env.parsers.js';
import { RedisBootError } from './fanout/redis-clients.js';
import { RedisIoAdapter } from './fanout/redis-io.adapter.js';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
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
  await app.listen(config.port, config.host);
  logger.log({ port: config.port, adapter: config.adapter }, 'deliverer listening', 'Bootstrap');
}

bootstrap().catch((err: unknown) => {
  // Operators get one line naming what to fix, not a stack trace.
  if (err instanceof ConfigError || err instanceof RedisBootError) {
    process.stderr.write(`deliverer: ${err.message}\n`);
  } else {
    process.stderr.write(`deliverer: failed to start: ${(err as Error)?.stack ?? String(err)}\n`);
  }
  process.exit(1);
});
