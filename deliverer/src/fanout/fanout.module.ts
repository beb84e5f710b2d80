import { Global, Module } from '@nestjs/common';
import { LifecycleState } from '../lifecycle/lifecycle.state.js';
import { FanoutStatus } from './fanout.status.js';
import { RedisLink } from './redis-link.js';

@Global()
@Module({
  providers: [FanoutStatus, RedisLink, LifecycleState],
  exports: [FanoutStatus, RedisLink, LifecycleState],
})
export class FanoutModule {}
