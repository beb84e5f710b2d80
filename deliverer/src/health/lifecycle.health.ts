import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { LifecycleState } from '../lifecycle/lifecycle.state.js';

@Injectable()
export class LifecycleHealthIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly lifecycle: LifecycleState,
  ) {}

  check(key: string) {
    const result = this.indicator.check(key);
    return this.lifecycle.draining ? result.down({ reason: 'draining' }) : result.up();
  }
}
