import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { FanoutHealthIndicator } from './fanout.health.js';
import { LifecycleHealthIndicator } from './lifecycle.health.js';

@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly fanout: FanoutHealthIndicator,
    private readonly lifecycle: LifecycleHealthIndicator,
  ) {}

  /** Liveness: the process answers. Never depends on Redis, or a Redis outage restarts every pod. */
  @Get('healthz')
  @HealthCheck()
  liveness() {
    return this.health.check([]);
  }

  /** Readiness: 503 with a reason while draining or while cross-replica fan-out is down. */
  @Get('readyz')
  @HealthCheck()
  readiness() {
    return this.health.check([
      () => this.lifecycle.check('lifecycle'),
      () => this.fanout.check('fanout'),
    ]);
  }
}
