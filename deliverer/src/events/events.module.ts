import { Module } from '@nestjs/common';
import { EventsGateway } from './events.gateway.js';
import { RoomsGateway } from './rooms.gateway.js';
import { SendDedupe } from './send-dedupe.js';

@Module({
  providers: [EventsGateway, RoomsGateway, SendDedupe],
})
export class EventsModule {}
