import { setTimeout as delay } from 'node:timers/promises';
import { type BeforeApplicationShutdown, Logger } from '@nestjs/common';
import { WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { AppConfig } from '../config/app.config.js';
import type { DelivererServer, DelivererSocket } from '../events/events.types.js';
import { LifecycleState } from './lifecycle.state.js';

const BATCH_TICK_MS = 100;

/**
 * The graceful drain, run by Nest between the shutdown signal and closing the adapter: stop
 * taking clients, give the load balancer DRAIN_DELAY_MS to notice, then hand the sockets to other
 * replicas in jittered batches over DRAIN_WINDOW_MS so they do not all reconnect at once.
 */
@WebSocketGateway()
export class DrainGateway implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Drain');

  @WebSocketServer()
  private readonly server: DelivererServer;

  constructor(
    private readonly config: AppConfig,
    private readonly lifecycle: LifecycleState,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    const startedAt = Date.now();
    this.lifecycle.startDraining('shutdown');
    await delay(this.config.drainDelayMs);

    // Only this replica's sockets: other replicas keep theirs.
    const sockets = [...this.server.of('/').sockets.values()];
    this.logger.log(
      { sockets: sockets.length, windowMs: this.config.drainWindowMs },
      'handing sockets over to other replicas',
    );
    const batches = spreadOverWindow(sockets, this.config.drainWindowMs);
    let closed = 0;
    await Promise.all(
      [...batches].map(async ([at, batch]) => {
        await delay(at);
        for (const socket of batch) handOver(socket);
        closed += batch.length;
      }),
    );
    this.logger.log(
      { closed, batches: batches.size, elapsedMs: Date.now() - startedAt },
      'sockets handed over; closing the server',
    );
  }
}

/** Every socket gets its own slot in the window plus jitter, grouped into BATCH_TICK_MS batches. */
function spreadOverWindow(sockets: DelivererSocket[], windowMs: number) {
  const batches = new Map<number, DelivererSocket[]>();
  sockets.forEach((socket, i) => {
    const at = ((i + Math.random()) * windowMs) / sockets.length;
    const tick = Math.floor(at / BATCH_TICK_MS) * BATCH_TICK_MS;
    batches.set(tick, [...(batches.get(tick) ?? []), socket]);
  });
  return batches;
}

/**
 * Closing the Engine.IO connection ends in "forced close", a reason the streams adapter persists
 * the session for. Never socket.disconnect(): the client then gets "io server disconnect", does
 * not reconnect, and no session is saved.
 */
function handOver(socket: DelivererSocket): void {
  if (socket.connected) socket.conn.close();
}
