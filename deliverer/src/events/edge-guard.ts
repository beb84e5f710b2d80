import type { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app.config.js';
import { CLIENT_EVENTS, type ErrorEnvelope } from './events.contract.js';
import type { DelivererSocket } from './events.types.js';
import { payloadProblem } from './payload-shape.js';
import { EventRateLimiter } from './rate-limit.js';
import type { Metrics } from '../metrics/metrics.js';
import { resultOf } from '../metrics/event-results.js';

const ALLOWED = new Set<unknown>(CLIENT_EVENTS);

type EdgeLimits = Pick<AppConfig, 'rateLimit' | 'allowBinary'>;

/**
 * The first check of every inbound event, before Nest dispatches it: the socket's rate, then only
 * events of the contract, with payloads of sane depth and size. A refused event gets the error
 * envelope (as its ack, or as an `error_event`) and goes no further; a socket that keeps flooding
 * is disconnected. Nothing thrown here reaches the process.
 */
export function guardInboundEvents(
  socket: DelivererSocket,
  limits: EdgeLimits,
  logger: Logger,
  metrics: Pick<Metrics, 'countEvent'>,
): void {
  const limiter = new EventRateLimiter(limits.rateLimit);
  socket.use((packet, next) => {
    try {
      const [event, ...args] = packet as unknown[];
      const ack =
        typeof args.at(-1) === 'function' ? (args.pop() as (e: ErrorEnvelope) => void) : undefined;
      const rate = limiter.take();
      const refusal: ErrorEnvelope | undefined = !rate.allowed
        ? {
            status: 'error',
            code: 'rate_limited',
            message: `too many events; retry in ${rate.retryAfterMs} ms`,
            retryAfterMs: rate.retryAfterMs,
          }
        : !ALLOWED.has(event)
          ? { status: 'error', code: 'unknown_event', message: `unknown event ${describe(event)}` }
          : withMessage(payloadProblem(args, { allowBinary: limits.allowBinary }));
      if (!refusal) return next();
      metrics.countEvent(ALLOWED.has(event) ? String(event) : 'unknown', resultOf(refusal.code));
      if (ack) ack(refusal);
      else socket.emit('error_event', refusal);
      if (!rate.allowed && rate.abusive) {
        logger.warn(
          { socketId: socket.id, address: socket.handshake.address },
          'disconnecting a socket that kept exceeding its event rate',
        );
        socket.disconnect(true);
      }
    } catch (err) {
      logger.error({ err, socketId: socket.id }, 'inbound event guard failed; event dropped');
    }
  });
}

function withMessage(problem: string | undefined): ErrorEnvelope | undefined {
  return problem === undefined
    ? undefined
    : { status: 'error', code: 'invalid_payload', message: problem };
}

function describe(event: unknown): string {
  return typeof event === 'string' ? JSON.stringify(event.slice(0, 64)) : `of type ${typeof event}`;
}
