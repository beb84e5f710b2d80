import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@nestjs/common';
import type { Server as EngineServer, Socket as EngineSocket } from 'engine.io';
import type { AppConfig } from '../config/app.config.js';
import { refuseRequest, sessionIdOf } from './engine-io.js';

type Limits = Pick<AppConfig, 'maxConnections' | 'maxConnectionsPerIp' | 'trustedProxyHops'>;

/**
 * Caps the sessions of this process, in all and per client IP. A new session over a cap gets 503
 * with Retry-After, so the load balancer (proxy_next_upstream http_503) or the client's backoff
 * tries another replica; requests of existing sessions always pass.
 */
export class ConnectionLimits {
  private readonly perIp = new Map<string, number>();

  constructor(
    private readonly limits: Limits,
    private readonly logger: Logger,
    private readonly refused: (code: string) => void = () => undefined,
  ) {}

  install(engine: EngineServer): void {
    // Counting per address costs a listener per connection; only pay for it when capped.
    if (this.limits.maxConnectionsPerIp > 0) this.countPerIp(engine);
    engine.use((req: IncomingMessage, res: ServerResponse, next: (err?: Error) => void) => {
      if (sessionIdOf(req.url) !== undefined) return next();
      const ip = this.clientIp(req);
      const refusal = this.refusal(engine.clientsCount, ip);
      if (!refusal) return next();
      this.logger.warn({ ip, reason: refusal }, 'handshake refused');
      this.refused('over_capacity');
      refuseRequest(req, res, 503, 'over_capacity', refusal);
    });
  }

  private countPerIp(engine: EngineServer): void {
    engine.on('connection', (conn: EngineSocket) => {
      const ip = this.clientIp(conn.request);
      this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
      conn.once('close', () => {
        const left = (this.perIp.get(ip) ?? 1) - 1;
        if (left > 0) this.perIp.set(ip, left);
        else this.perIp.delete(ip);
      });
    });
  }

  private refusal(sessions: number, ip: string): string | undefined {
    const { maxConnections, maxConnectionsPerIp } = this.limits;
    if (sessions >= maxConnections) return `this replica is at its ${maxConnections} connections`;
    if (maxConnectionsPerIp > 0 && (this.perIp.get(ip) ?? 0) >= maxConnectionsPerIp) {
      return `too many connections from one address (${maxConnectionsPerIp})`;
    }
    return undefined;
  }

  /** The client's address: the socket's peer, or as told by the trusted proxies in front. */
  clientIp(req: IncomingMessage): string {
    const peer = req.socket.remoteAddress ?? 'unknown';
    const hops = this.limits.trustedProxyHops;
    if (hops === 0) return peer;
    const header = req.headers['x-forwarded-for'];
    const chain = (Array.isArray(header) ? header.join(',') : (header ?? ''))
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    // Each trusted proxy appends the address it saw; entries left of those are client-supplied.
    return chain[chain.length - hops] ?? peer;
  }
}
