import { Module } from '@nestjs/common';
import { EventsGateway } from './events.gateway.js';
import { SendDedupe } from './send-dedupe.js';

@Module({
  providers: [EventsGateway, SendDedupe],
})
export class EventsModule {}
