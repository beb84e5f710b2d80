import { Module } from '@nestjs/common';
import { PresenceGateway } from './presence.gateway.js';
import { PresenceTracker } from './presence.tracker.js';

@Module({
  providers: [PresenceTracker, PresenceGateway],
  exports: [PresenceTracker],
})
export class PresenceModule {}
