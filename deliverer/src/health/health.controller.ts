import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { FanoutHealthIndicator } from './fanout.health.js';

@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly fanout: FanoutHealthIndicator,
  ) {}

  /** Liveness: the process answers. Never depends on Redis, or a Redis outage restarts every pod. */
  @Get('healthz')
  @HealthCheck()
  liveness() {
    return this.health.check([]);
  }

  /** Readiness: 503 with a reason while cross-replica fan-out is down. */
  @Get('readyz')
  @HealthCheck()
  readiness() {
    return this.health.check([() => this.fanout.check('fanout')]);
  }
}
