import { setTimeout as delay } from 'node:timers/promises';
import { type BeforeApplicationShutdown, Logger } from '@nestjs/common';
import { WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { AppConfig } from '../config/app.config.js';
import { TOPOLOGY } from '../config/topology.js';
import type { DelivererServer, DelivererSocket } from '../events/events.types.js';
import { LifecycleState } from './lifecycle.state.js';

const BATCH_TICK_MS = 100;
// Of the drain margin, what closing the adapter, Redis and HTTP may take after the last socket.
const CLOSE_RESERVE_MS = 1000;

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
    // Only this replica's sockets: other replicas keep theirs.
    const sockets = [...this.server.of('/').sockets.values()];
    const polling = sockets.filter((socket) => socket.conn.transport.name === 'polling');
    const streaming = sockets.filter((socket) => !polling.includes(socket));
    this.logger.log(
      { polling: polling.length, websocket: streaming.length, ...this.timing() },
      'draining',
    );
    // Long-polling sessions go first, during the delay: each poll is a new request, and once the
    // load balancer drops this replica their polls would reach another one that does not know
    // them. A websocket is one established connection and keeps working until it is closed.
    const [pollingClosed, streamingClosed] = await Promise.all([
      handOverOver(polling, this.config.drainDelayMs, 0),
      handOverOver(streaming, this.config.drainWindowMs, this.config.drainDelayMs),
    ]);
    // A long-polling session closes only once its client has polled for the close packet. The
    // server's final close would discard it instead, and the client's next poll would reach
    // another replica as "Session ID unknown".
    const lingering = await allClosed(
      sockets.map((socket) => socket.conn),
      TOPOLOGY.drainMarginMs - CLOSE_RESERVE_MS,
    );
    this.logger.log(
      {
        closed: pollingClosed + streamingClosed,
        lingering,
        elapsedMs: Date.now() - startedAt,
      },
      'sockets handed over; closing the server',
    );
  }

  private timing() {
    return { delayMs: this.config.drainDelayMs, windowMs: this.config.drainWindowMs };
  }
}

/** Resolves once every connection has closed, or after `timeoutMs`, with how many had not. */
async function allClosed(connections: DelivererSocket['conn'][], timeoutMs: number) {
  const open = connections.filter((conn) => conn.readyState !== 'closed');
  const closing = Promise.all(
    open.map((conn) => new Promise<void>((resolve) => conn.once('close', () => resolve()))),
  );
  const timeout = new AbortController();
  const timer = delay(timeoutMs, undefined, { signal: timeout.signal }).catch(() => undefined);
  await Promise.race([closing, timer]);
  timeout.abort();
  return open.filter((conn) => conn.readyState !== 'closed').length;
}

/** Hands the sockets over in batches spread over `windowMs`, starting after `startMs`. */
async function handOverOver(sockets: DelivererSocket[], windowMs: number, startMs: number) {
  await delay(startMs);
  const batches = spreadOverWindow(sockets, windowMs);
  let closed = 0;
  await Promise.all(
    [...batches].map(async ([at, batch]) => {
      await delay(at);
      for (const socket of batch) handOver(socket);
      closed += batch.length;
    }),
  );
  return closed;
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
