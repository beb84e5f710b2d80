import { Module } from '@nestjs/common';
import { DrainGateway } from './drain.gateway.js';

@Module({
  providers: [DrainGateway],
})
export class LifecycleModule {}
