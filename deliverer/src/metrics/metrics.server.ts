import type { Server } from 'node:http';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { AppConfig } from '../config/app.config.js';
import { answerMetricsRequests } from '../workers/workers.metrics.js';
import { closeScrapes, listenForScrapes } from './metrics.http.js';
import { Metrics } from './metrics.js';

/**
 * Serves this process's metrics on METRICS_PORT from bootstrap until the very end of shutdown, so
 * a drain can be watched to the last socket. A worker answers its primary instead, which serves
 * the sum of its workers.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server?: Server;
  private stopAnswering?: () => void;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { registry } = this.metrics;
    if (this.config.workerId !== undefined) {
      this.stopAnswering = answerMetricsRequests(registry);
      return;
    }
    if (this.config.metricsPort === 0) return;
    this.server = await listenForScrapes(registry, this.config.metricsPort, this.config.host);
    this.logger.log({ port: this.config.metricsPort }, 'metrics at /metrics');
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopAnswering?.();
    await closeScrapes(this.server);
  }
}
