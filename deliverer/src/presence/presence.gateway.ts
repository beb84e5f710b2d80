import { UseFilters } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { RoomPipe } from '../events/contract.pipe.js';
import { DelivererError } from '../events/deliverer.error.js';
import type { Ack, PresenceMember, Room } from '../events/events.contract.js';
import type { DelivererSocket } from '../events/events.types.js';
import { roomKey } from '../events/rooms.js';
import { WsErrorFilter } from '../events/ws-error.filter.js';
import { PresenceTracker } from './presence.tracker.js';

@UseFilters(WsErrorFilter)
@WebSocketGateway()
export class PresenceGateway {
  constructor(private readonly presence: PresenceTracker) {}

  @SubscribeMessage('list_presence')
  async onList(
    @ConnectedSocket() socket: DelivererSocket,
    @MessageBody(RoomPipe) { room }: Room,
  ): Promise<Ack<{ room: string; members: PresenceMember[] }>> {
    // Like sending: knowing a room's name is not enough to watch who is in it.
    if (!socket.rooms.has(roomKey(room))) {
      throw new DelivererError('forbidden', `join room "${room}" to see who is in it`);
    }
    return { status: 'ok', room, members: await this.presence.list(room) };
  }
}
