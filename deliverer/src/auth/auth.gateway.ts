import { UseFilters } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { RefreshTokenPipe } from '../events/contract.pipe.js';
import { DelivererError } from '../events/deliverer.error.js';
import type { Ack, RefreshToken } from '../events/events.contract.js';
import type { DelivererSocket } from '../events/events.types.js';
import { WsErrorFilter } from '../events/ws-error.filter.js';
import { TokenExpiry } from './token-expiry.js';
import { TokenRejected, TokenVerifier } from './token-verifier.js';

/** Keeps a connected socket's credential current: its expiry, and `refresh_token`. */
@UseFilters(WsErrorFilter)
@WebSocketGateway()
export class AuthGateway implements OnGatewayConnection, OnGatewayDisconnect {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly expiry: TokenExpiry,
  ) {}

  handleConnection(socket: DelivererSocket): void {
    this.expiry.watch(socket);
  }

  handleDisconnect(socket: DelivererSocket): void {
    this.expiry.unwatch(socket);
  }

  @SubscribeMessage('refresh_token')
  async onRefreshToken(
    @ConnectedSocket() socket: DelivererSocket,
    @MessageBody(RefreshTokenPipe) { token }: RefreshToken,
  ): Promise<Ack<{ expiresAt: number | null }>> {
    if (!this.verifier.enabled) {
      throw new DelivererError('forbidden', 'authentication is not enabled on this server');
    }
    const identity = await this.verifier.verify(token).catch((err: unknown) => {
      throw err instanceof TokenRejected ? new DelivererError(err.code, err.message) : err;
    });
    if (identity.id !== socket.data.user?.id) {
      throw new DelivererError('forbidden', 'the new token is for another user');
    }
    socket.data.user = identity;
    this.expiry.watch(socket);
    return { status: 'ok', expiresAt: identity.expiresAt ?? null };
  }
}
