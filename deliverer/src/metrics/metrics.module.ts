import { Global, Module } from '@nestjs/common';
import { EventMetricsInterceptor } from './event-metrics.interceptor.js';
import { Metrics } from './metrics.js';
import { MetricsServer } from './metrics.server.js';

@Global()
@Module({
  providers: [Metrics, MetricsServer, EventMetricsInterceptor],
  exports: [Metrics, EventMetricsInterceptor],
})
export class MetricsModule {}
