import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { FanoutStatus } from '../fanout/fanout.status.js';

@Injectable()
export class FanoutHealthIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly fanout: FanoutStatus,
  ) {}

  check(key: string) {
    const { adapter, up, reason, since } = this.fanout.current;
    const result = this.indicator.check(key);
    const details = { adapter, since: new Date(since).toISOString() };
    return up ? result.up(details) : result.down({ ...details, reason });
  }
}
