import type { INestApplication, LoggerService } from '@nestjs/common';
import type { AppConfig } from '../config/app.config.js';
import { drainBudgetMs } from '../config/topology.js';
import { LifecycleState } from '../lifecycle/lifecycle.state.js';
import { WORKER_DRAIN, isMessage } from '../workers/workers.messages.js';

/**
 * Drains on SIGTERM or SIGINT and exits 0. Replaces Nest's enableShutdownHooks(), which re-raises
 * the signal after closing and so never exits 0. A second signal, or overrunning the drain budget,
 * exits at once with 1.
 *
 * A worker (worker mode) drains when its primary says so: the terminal's Ctrl-C reaches the whole
 * process group, and the primary must stay the one that orders the shutdown.
 */
export function drainOnSignals(
  app: INestApplication,
  config: AppConfig,
  logger: LoggerService,
): void {
  let draining = false;
  const drain = (reason: string) => {
    if (draining) {
      logger.warn({ reason }, 'second signal during the drain: exiting now', 'Shutdown');
      process.exit(1);
    }
    draining = true;
    app.get(LifecycleState).startDraining(reason);
    const budgetMs = drainBudgetMs(config.drainDelayMs, config.drainWindowMs);
    setTimeout(() => {
      logger.error({ budgetMs }, 'drain overran its budget: exiting now', 'Shutdown');
      process.exit(1);
    }, budgetMs).unref();
    app.close().then(
      () => {
        logger.log({ reason }, 'drained; exiting', 'Shutdown');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed', 'Shutdown');
        process.exit(1);
      },
    );
  };

  process.on('SIGTERM', () => drain('SIGTERM'));
  if (config.workerId === undefined) {
    process.on('SIGINT', () => drain('SIGINT'));
    return;
  }
  process.on('SIGINT', () => undefined);
  process.on('message', (message) => {
    if (isMessage(message, WORKER_DRAIN)) drain('primary');
  });
}
