import { Global, Module } from '@nestjs/common';
import { FanoutStatus } from './fanout.status.js';

@Global()
@Module({
  providers: [FanoutStatus],
  exports: [FanoutStatus],
})
export class FanoutModule {}
