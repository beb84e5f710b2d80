import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { FanoutHealthIndicator } from './fanout.health.js';
import { HealthController } from './health.controller.js';
import { LifecycleHealthIndicator } from './lifecycle.health.js';

@Module({
  // Terminus would log every failed probe; FanoutStatus logs each outage once instead.
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [FanoutHealthIndicator, LifecycleHealthIndicator],
})
export class HealthModule {}
