import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { FanoutStatus } from '../fanout/fanout.status.js';
import { LifecycleState } from '../lifecycle/lifecycle.state.js';

/** What the connected-sockets gauge counts: the engine's transport of every connected socket. */
export type SocketCensus = () => Iterable<{ conn: { transport: { name: string } } }>;

const TRANSPORTS = ['websocket', 'polling'] as const;
// From a sub-millisecond ack to a Redis-backed dedupe claim under load.
const HANDLING_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2];

/**
 * Every metric of one process, in its own registry. Counters are incremented where things happen;
 * gauges of state (sockets, adapter, draining) are read at scrape time from the state itself, so
 * no missed decrement (a peer's crash, a drain) can leave them wrong.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  private census?: SocketCensus;
  private readonly eventChildren = new Map<string, Counter.Internal>();
  private readonly timerChildren = new Map<string, Histogram.Internal<'event'>>();

  readonly connections = new Counter({
    name: 'deliverer_connections_total',
    help: 'Socket.IO connections accepted, recovered sessions included',
    registers: [this.registry],
  });
  readonly disconnections = new Counter({
    name: 'deliverer_disconnections_total',
    help: 'Socket.IO disconnections by Socket.IO reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly sessions = new Counter({
    name: 'deliverer_sessions_total',
    help: 'Sessions started, by whether Connection State Recovery restored them',
    labelNames: ['recovered'] as const,
    registers: [this.registry],
  });
  private readonly eventsReceived = new Counter({
    name: 'deliverer_events_received_total',
    help: 'Inbound events by contract event (unknown for others) and result',
    labelNames: ['event', 'result'] as const,
    registers: [this.registry],
  });
  private readonly eventHandling = new Histogram({
    name: 'deliverer_event_handling_seconds',
    help: 'Time from dispatch to ack of events that passed the edge checks',
    labelNames: ['event'] as const,
    buckets: HANDLING_BUCKETS,
    registers: [this.registry],
  });
  readonly broadcasts = new Counter({
    name: 'deliverer_messages_broadcast_total',
    help: 'Messages this replica accepted and broadcast to every replica',
    registers: [this.registry],
  });
  readonly apiRequests = new Counter({
    name: 'deliverer_api_requests_total',
    help: 'Requests to the HTTP publish API, by response status code',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly redisErrors = new Counter({
    name: 'deliverer_redis_errors_total',
    help: 'Errors reported by the Redis connections, by connection',
    labelNames: ['connection'] as const,
    registers: [this.registry],
  });
  readonly redisReconnects = new Counter({
    name: 'deliverer_redis_reconnects_total',
    help: 'Reconnect attempts of the Redis connections, by connection',
    labelNames: ['connection'] as const,
    registers: [this.registry],
  });
  readonly handshakesRefused = new Counter({
    name: 'deliverer_handshakes_refused_total',
    help: 'Handshakes refused, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly slowConsumersDropped = new Counter({
    name: 'deliverer_slow_consumers_dropped_total',
    help: 'Sockets dropped for having more than MAX_BUFFERED_BYTES pending',
    registers: [this.registry],
  });

  constructor(fanout: FanoutStatus, lifecycle: LifecycleState) {
    const census = () => this.census;
    new Gauge({
      name: 'deliverer_connected_sockets',
      help: 'Sockets connected to this replica now, by transport',
      labelNames: ['transport'] as const,
      registers: [this.registry],
      collect() {
        const counts = new Map<string, number>(TRANSPORTS.map((name) => [name, 0]));
        for (const socket of census()?.() ?? []) {
          const name = socket.conn.transport.name;
          counts.set(name, (counts.get(name) ?? 0) + 1);
        }
        for (const [transport, count] of counts) this.set({ transport }, count);
      },
    });
    new Gauge({
      name: 'deliverer_adapter_up',
      help: '1 while cross-replica fan-out works, else 0',
      registers: [this.registry],
      collect() {
        this.set(fanout.current.up ? 1 : 0);
      },
    });
    new Gauge({
      name: 'deliverer_draining',
      help: '1 once this replica has started draining',
      registers: [this.registry],
      collect() {
        this.set(lifecycle.draining ? 1 : 0);
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /** Where the connected-sockets gauge counts from: the Socket.IO server's sockets. */
  countSocketsOf(census: SocketCensus): void {
    this.census = census;
  }

  countEvent(event: string, result: string): void {
    const key = `${event}\0${result}`;
    let child = this.eventChildren.get(key);
    if (!child) {
      child = this.eventsReceived.labels(event, result);
      this.eventChildren.set(key, child);
    }
    child.inc();
  }

  timeEvent(event: string, seconds: number): void {
    let child = this.timerChildren.get(event);
    if (!child) {
      child = this.eventHandling.labels(event);
      this.timerChildren.set(event, child);
    }
    child.observe(seconds);
  }
}
