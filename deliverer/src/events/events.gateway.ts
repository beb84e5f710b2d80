import { randomUUID } from 'node:crypto';
import { Logger, UseFilters } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import { AppConfig } from '../config/app.config.js';
import { InputEventPipe } from './contract.pipe.js';
import type { Ack, BroadcastMessage, InputEvent } from './events.contract.js';
import type { DelivererServer, DelivererSocket } from './events.types.js';
import { WsErrorFilter } from './ws-error.filter.js';

@UseFilters(WsErrorFilter)
@WebSocketGateway()
export class EventsGateway implements OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(EventsGateway.name);

  @WebSocketServer()
  private readonly server: DelivererServer;

  constructor(private readonly config: AppConfig) {}

  handleConnection(socket: DelivererSocket): void {
    socket.data.node = this.config.nodeName;
    this.logger.log(
      { socketId: socket.id, transport: socket.conn.transport.name, recovered: socket.recovered },
      'client connected',
    );
    socket.emit('session', { node: this.config.nodeName, recovered: socket.recovered });
  }

  handleDisconnect(socket: DelivererSocket, reason?: string): void {
    this.logger.log(
      { socketId: socket.id, transport: socket.conn.transport.name, reason },
      'client disconnected',
    );
  }

  @SubscribeMessage('input_event')
  onInput(
    @ConnectedSocket() socket: DelivererSocket,
    @MessageBody(InputEventPipe) input: InputEvent,
  ): Ack<{ id: string }> {
    const message: BroadcastMessage = {
      id: randomUUID(),
      text: input.text,
      sender: socket.id,
      node: this.config.nodeName,
      sentAt: Date.now(),
    };
    this.server.emit('broadcast_event', message);
    return { status: 'ok', id: message.id };
  }
}
