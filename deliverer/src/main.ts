// Config is validated before anything else loads, so a bad variable fails in milliseconds with
// one line, and nothing else in the app reads process.env.
import { loadConfig } from './config/app.config.js';
import { ConfigError } from './config/env.parsers.js';
// Light imports only: the port is bound before the app's ~1,500 modules load.
import { RedisBootError } from './fanout/redis-boot-error.js';
import { listenEarly } from './app/early-listener.js';
import { holdEarlyConnections } from './workers/early-connections.js';

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
  // A worker must catch the connections its primary hands over while the app is still loading.
  const releaseEarlyConnections =
    config.workerId === undefined ? undefined : holdEarlyConnections();
  // A single process owns its port from the first moment; in worker mode the primary does.
  const early =
    config.workers === 0 && config.workerId === undefined
      ? await listenEarly(config.port, config.host)
      : undefined;
  await import('reflect-metadata');
  const { start } = await import('./app/bootstrap.js');
  await start(config, { releaseEarlyConnections, early });
} catch (err) {
  exitOnBootError(err);
}
