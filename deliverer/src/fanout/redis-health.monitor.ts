import type { Redis } from 'ioredis';
import { withDeadline } from './redis-clients.js';
import type { FanoutStatus } from './fanout.status.js';

const PROBE_INTERVAL_MS = 1000;
// A frozen Redis (SIGSTOP, a hung VM) sends no error and no FIN; only an unanswered PING shows it.
const PING_DEADLINE_MS = 1000;

/**
 * Watches the Redis clients an adapter owns and reports to FanoutStatus: immediately when a
 * connection drops, and within PROBE_INTERVAL_MS + PING_DEADLINE_MS when Redis stops answering.
 */
export class RedisHealthMonitor {
  private timer?: NodeJS.Timeout;
  private pingInFlight = false;
  private readonly onConnectionLost = () => this.status.reportDown('Redis connection lost');
  private readonly onReady = () => void this.probe();

  private readonly clients: Redis[] = [];

  constructor(
    clients: readonly Redis[],
    private readonly status: FanoutStatus,
  ) {
    for (const client of clients) this.watch(client);
  }

  /** Adds a connection opened later, such as the streams adapter's reader. */
  watch(client: Redis): void {
    this.clients.push(client);
    client.on('close', this.onConnectionLost);
    client.on('ready', this.onReady);
  }

  start(): void {
    this.timer = setInterval(() => void this.probe(), PROBE_INTERVAL_MS).unref();
    void this.probe();
  }

  stop(): void {
    clearInterval(this.timer);
    for (const client of this.clients) {
      client.off('close', this.onConnectionLost);
      client.off('ready', this.onReady);
    }
  }

  private async probe(): Promise<void> {
    const notReady = this.clients.find((client) => client.status !== 'ready');
    if (notReady) return this.status.reportDown(`Redis connection ${notReady.status}`);
    // One PING at a time: a frozen Redis would otherwise collect one queued PING per interval.
    if (this.pingInFlight) return this.status.reportDown('Redis did not answer PING in time');
    this.pingInFlight = true;
    const ping = this.clients[0]!.ping().finally(() => (this.pingInFlight = false));
    try {
      await withDeadline(ping, PING_DEADLINE_MS, 'Redis PING');
      this.status.reportUp();
    } catch (err) {
      this.status.reportDown((err as Error).message);
    }
  }
}
