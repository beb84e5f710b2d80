import { UseFilters } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { AppConfig } from '../config/app.config.js';
import { PresenceTracker } from '../presence/presence.tracker.js';
import { RoomPipe } from './contract.pipe.js';
import { DelivererError } from './deliverer.error.js';
import type { Ack, Room } from './events.contract.js';
import type { DelivererSocket } from './events.types.js';
import { joinedRooms, roomKey } from './rooms.js';
import { WsErrorFilter } from './ws-error.filter.js';

type RoomAck = Ack<{ room: string; rooms: string[] }>;

/**
 * Room membership. Rooms are Socket.IO rooms, so the adapter carries room messages to members on
 * every replica, and Connection State Recovery restores the membership with the session.
 */
@UseFilters(WsErrorFilter)
@WebSocketGateway()
export class RoomsGateway {
  constructor(
    private readonly config: AppConfig,
    private readonly presence: PresenceTracker,
  ) {}

  @SubscribeMessage('join_room')
  async onJoin(
    @ConnectedSocket() socket: DelivererSocket,
    @MessageBody(RoomPipe) { room }: Room,
  ): Promise<RoomAck> {
    const key = roomKey(room);
    const max = this.config.maxRoomsPerSocket;
    if (!socket.rooms.has(key) && joinedRooms(socket).length >= max) {
      throw new DelivererError('too_many_rooms', `a socket may be in at most ${max} rooms`);
    }
    const rejoin = socket.rooms.has(key);
    await socket.join(key);
    try {
      await this.presence.joined(socket, room);
    } catch (err) {
      // In the room but missing from presence would be a member nobody can see: all or nothing.
      if (!rejoin) await socket.leave(key);
      throw err;
    }
    return { status: 'ok', room, rooms: joinedRooms(socket) };
  }

  @SubscribeMessage('leave_room')
  async onLeave(
    @ConnectedSocket() socket: DelivererSocket,
    @MessageBody(RoomPipe) { room }: Room,
  ): Promise<RoomAck> {
    await socket.leave(roomKey(room));
    await this.presence.left(socket, room);
    return { status: 'ok', room, rooms: joinedRooms(socket) };
  }
}
