import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { DelivererSocket } from '../events/events.types.js';

// setTimeout fires at once beyond 2^31-1 ms; a later expiry is re-armed on the way.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Disconnects a socket when its token expires, unless the client sent a fresh one with
 * `refresh_token` first: a connection must not outlive the credential that opened it.
 */
@Injectable()
export class TokenExpiry implements OnModuleDestroy {
  private readonly logger = new Logger(TokenExpiry.name);
  private readonly timers = new Map<string, NodeJS.Timeout>();

  /** A socket without an expiring token (or with authentication off) is not watched. */
  watch(socket: DelivererSocket): void {
    this.unwatch(socket);
    const expiresAt = socket.data.user?.expiresAt;
    if (expiresAt === undefined) return;
    const timer = setTimeout(
      () => this.onTimer(socket),
      Math.min(Math.max(expiresAt - Date.now(), 0), MAX_TIMER_MS),
    ).unref();
    this.timers.set(socket.id, timer);
  }

  unwatch(socket: DelivererSocket): void {
    clearTimeout(this.timers.get(socket.id));
    this.timers.delete(socket.id);
  }

  onModuleDestroy(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private onTimer(socket: DelivererSocket): void {
    this.timers.delete(socket.id);
    if (!socket.connected) return;
    const expiresAt = socket.data.user?.expiresAt;
    if (expiresAt !== undefined && expiresAt > Date.now()) return this.watch(socket);
    socket.emit('error_event', {
      status: 'error',
      code: 'token_expired',
      message: 'the token has expired; connect again with a new one',
    });
    this.logger.log({ socketId: socket.id, userId: socket.data.user?.id }, 'token expired');
    // A server-side disconnect: the client does not reconnect with the expired token by itself.
    socket.disconnect();
  }
}
