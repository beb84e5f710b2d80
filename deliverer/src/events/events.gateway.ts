import { Logger, UseFilters } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import { AppConfig } from '../config/app.config.js';
import { InputEventPipe, SetProfilePipe } from './contract.pipe.js';
import { DelivererError } from './deliverer.error.js';
import { guardInboundEvents } from './edge-guard.js';
import { displayName, identityOf } from './identity.js';
import type { Ack, InputEvent, SetProfile } from './events.contract.js';
import { MessagePublisher } from './message.publisher.js';
import type { DelivererServer, DelivererSocket } from './events.types.js';
import { Metrics } from '../metrics/metrics.js';
import { PresenceTracker } from '../presence/presence.tracker.js';
import { roomKey } from './rooms.js';
import { WsErrorFilter } from './ws-error.filter.js';

@UseFilters(WsErrorFilter)
@WebSocketGateway()
export class EventsGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(EventsGateway.name);

  @WebSocketServer()
  private readonly server: DelivererServer;

  constructor(
    private readonly config: AppConfig,
    private readonly publisher: MessagePublisher,
    private readonly metrics: Metrics,
    private readonly presence: PresenceTracker,
  ) {}

  afterInit(server: DelivererServer): void {
    this.metrics.countSocketsOf(() => server.of('/').sockets.values());
  }

  handleConnection(socket: DelivererSocket): void {
    guardInboundEvents(socket, this.config, this.logger, this.metrics);
    this.metrics.connections.inc();
    this.metrics.sessions.labels(String(socket.recovered)).inc();
    socket.data.node = this.config.nodeName;
    // Presence hooks ride on these: every gateway with hooks costs each socket a listener.
    this.presence.connected(socket);
    this.logger.log(
      { socketId: socket.id, transport: socket.conn.transport.name, recovered: socket.recovered },
      'client connected',
    );
    const session = {
      node: this.config.nodeName,
      recovered: socket.recovered,
      ...identityOf(socket),
    };
    // With redis-streams, a broadcast to the socket's own room, so that it goes through the
    // adapter and carries a stream offset: a client that receives nothing else still has an
    // offset to recover from when its replica drains (socket.io#4888). Other adapters keep no
    // offsets; there a room broadcast would cost every replica a Redis message per connection.
    if (this.config.adapter === 'redis-streams') this.server.to(socket.id).emit('session', session);
    else socket.emit('session', session);
  }

  handleDisconnect(socket: DelivererSocket, reason?: string): void {
    this.metrics.disconnections.labels(reason ?? 'unknown').inc();
    this.presence.disconnected(socket, reason ?? 'unknown');
    this.logger.log(
      { socketId: socket.id, transport: socket.conn.transport.name, reason },
      'client disconnected',
    );
  }

  @SubscribeMessage('input_event')
  async onInput(
    @ConnectedSocket() socket: DelivererSocket,
    @MessageBody(InputEventPipe) input: InputEvent,
  ): Promise<Ack<{ id: string }>> {
    // Only members speak in a room, so a room's name alone does not let anybody post into it.
    if (input.room !== undefined && !socket.rooms.has(roomKey(input.room))) {
      throw new DelivererError('forbidden', `join room "${input.room}" before sending to it`);
    }
    const { id } = await this.publisher.publish(
      {
        text: input.text,
        sender: socket.data.user?.id ?? socket.id,
        senderName: displayName(socket),
        room: input.room,
      },
      input.clientMsgId,
    );
    return { status: 'ok', id };
  }

  @SubscribeMessage('set_profile')
  async onSetProfile(
    @ConnectedSocket() socket: DelivererSocket,
    @MessageBody(SetProfilePipe) profile: SetProfile,
  ): Promise<Ack<{ name: string }>> {
    // With authentication on, names come from tokens: a client must not pose as somebody else.
    if (socket.data.user) {
      throw new DelivererError('forbidden', 'the display name comes from your token');
    }
    socket.data.name = profile.name;
    await this.presence.renamed(socket);
    return { status: 'ok', name: profile.name };
  }
}
