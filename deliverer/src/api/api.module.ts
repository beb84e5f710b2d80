import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { EventsModule } from '../events/events.module.js';
import { ApiMetricsMiddleware } from './api-metrics.middleware.js';
import { ApiRateLimiter } from './api-rate.limiter.js';
import { MessagesController } from './messages.controller.js';
import { RedisDeadline } from './redis-deadline.js';

/** The HTTP publish API (POST /api/v1/messages); its docs are served by api-docs.ts. */
@Module({
  imports: [EventsModule],
  controllers: [MessagesController],
  providers: [ApiRateLimiter, RedisDeadline],
})
export class ApiModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(ApiMetricsMiddleware).forRoutes(MessagesController);
  }
}
