import { Module } from '@nestjs/common';
import { PresenceModule } from '../presence/presence.module.js';
import { EventsGateway } from './events.gateway.js';
import { MessagePublisher } from './message.publisher.js';
import { RoomsGateway } from './rooms.gateway.js';
import { SendDedupe } from './send-dedupe.js';

@Module({
  imports: [PresenceModule],
  providers: [EventsGateway, RoomsGateway, MessagePublisher, SendDedupe],
  exports: [MessagePublisher],
})
export class EventsModule {}
