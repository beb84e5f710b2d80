import { Module } from '@nestjs/common';
import { ConfigModule } from './config/config.module.js';
import { EventsModule } from './events/events.module.js';
import { FanoutModule } from './fanout/fanout.module.js';
import { HealthModule } from './health/health.module.js';
import { LoggingModule } from './logging/logging.module.js';

@Module({
  imports: [ConfigModule, LoggingModule, FanoutModule, HealthModule, EventsModule],
})
export class AppModule {}
