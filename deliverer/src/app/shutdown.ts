import type { INestApplication, LoggerService } from '@nestjs/common';
import type { AppConfig } from '../config/app.config.js';
import { LifecycleState } from '../lifecycle/lifecycle.state.js';
import { drainBudgetMs } from '../config/topology.js';

/**
 * Drains on SIGTERM or SIGINT and exits 0. Replaces Nest's enableShutdownHooks(), which re-raises
 * the signal after closing and so never exits 0. A second signal, or overrunning the drain budget,
 * exits at once with 1.
 */
export function drainOnSignals(
  app: INestApplication,
  config: AppConfig,
  logger: LoggerService,
): void {
  let draining = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (draining) {
      logger.warn({ signal }, 'second signal during the drain: exiting now', 'Shutdown');
      process.exit(1);
    }
    draining = true;
    app.get(LifecycleState).startDraining(signal);
    const budgetMs = drainBudgetMs(config.drainDelayMs, config.drainWindowMs);
    setTimeout(() => {
      logger.error({ budgetMs }, 'drain overran its budget: exiting now', 'Shutdown');
      process.exit(1);
    }, budgetMs).unref();
    app.close().then(
      () => {
        logger.log({ signal }, 'drained; exiting', 'Shutdown');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed', 'Shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
