import cluster, { type Worker } from 'node:cluster';
import { createServer } from 'node:http';
import { setupPrimary } from '@socket.io/cluster-adapter';
import { setupMaster } from '@socket.io/sticky';
import { pino } from 'pino';
import type { AppConfig } from '../config/app.config.js';
import { drainBudgetMs } from '../config/topology.js';
import { pinoOptions } from '../logging/pino-options.js';
import { listenForScrapes } from '../metrics/metrics.http.js';
import { stopReadingBeforeHandOver } from './hand-over.js';
import { workersExposition } from './workers.metrics.js';
import { WORKER_DRAIN, WORKER_READY, isMessage } from './workers.messages.js';

// Beyond the workers' own drain budget, time for them to report their exit.
const EXIT_MARGIN_MS = 2000;

/**
 * Worker mode: one machine, all cores, no Redis needed. The primary owns the port and hands each
 * connection to a worker; @socket.io/sticky keeps every Engine.IO session on one worker (polling
 * needs that), and @socket.io/cluster-adapter relays broadcasts between the workers unless they
 * share a Redis. A worker that dies is replaced; SIGTERM or SIGINT drains every worker.
 */
export async function runPrimary(config: AppConfig): Promise<void> {
  const logger = pino(pinoOptions(config));
  // @socket.io/sticky passes each connection's first bytes over IPC as a Buffer; JSON would not.
  cluster.setupPrimary({ serialization: 'advanced' });
  const server = createServer();
  // Round-robin: least-connection sends a burst of simultaneous handshakes all to one worker.
  setupMaster(server, { loadBalancingMethod: 'round-robin' });
  if (config.adapter === 'memory') setupPrimary();

  const workers = new Map<number, Worker>();
  const readyWorkers = new Set<Worker>();
  let stopping = false;
  let listening = false;

  const start = (workerId: number) => {
    const worker = cluster.fork({ DELIVERER_WORKER_ID: String(workerId) });
    stopReadingBeforeHandOver(worker);
    workers.set(workerId, worker);
    worker.on('message', (message: unknown) => {
      if (!isMessage(message, WORKER_READY)) return;
      logger.info({ workerId, workerPid: worker.process.pid }, 'worker ready');
      readyWorkers.add(worker);
      if (!listening && readyWorkers.size === config.workers) listen();
    });
    worker.once('exit', (code, signal) => {
      readyWorkers.delete(worker);
      if (stopping) return;
      logger.warn({ workerId, code, signal }, 'worker died; starting a replacement');
      start(workerId);
    });
  };

  const listen = () => {
    listening = true;
    server.listen(config.port, config.host, () =>
      logger.info(
        { port: config.port, workers: config.workers, adapter: config.adapter },
        'deliverer listening',
      ),
    );
  };

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: killing the workers');
      for (const worker of workers.values()) worker.process.kill('SIGKILL');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, workers: workers.size }, 'draining the workers');
    // The workers ignore terminal signals and drain when told, so Ctrl-C reaches them once.
    for (const worker of workers.values())
      if (worker.isConnected()) worker.send({ type: WORKER_DRAIN });
    const deadline = setTimeout(
      () => {
        logger.error('workers overran the drain budget; killing them');
        for (const worker of workers.values()) worker.process.kill('SIGKILL');
        process.exit(1);
      },
      drainBudgetMs(config.drainDelayMs, config.drainWindowMs) + EXIT_MARGIN_MS,
    );
    deadline.unref();
    Promise.all(
      [...workers.values()].map(
        (worker) =>
          new Promise<number>((resolve) => {
            if (worker.isDead()) return resolve(worker.process.exitCode ?? 0);
            worker.once('exit', (code) => resolve(code ?? 1));
          }),
      ),
    ).then((codes) => {
      server.close();
      const failed = codes.filter((code) => code !== 0).length;
      logger.info({ failed }, 'workers stopped; exiting');
      process.exit(failed === 0 ? 0 : 1);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (config.metricsPort !== 0) {
    await listenForScrapes(
      workersExposition(() => workers.values()),
      config.metricsPort,
      config.host,
    );
  }

  for (let workerId = 1; workerId <= config.workers; workerId++) start(workerId);
}
