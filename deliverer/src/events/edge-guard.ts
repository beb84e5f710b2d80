import type { Logger } from '@nestjs/common';
import { CLIENT_EVENTS, type ErrorEnvelope } from './events.contract.js';
import type { DelivererSocket } from './events.types.js';
import { payloadProblem } from './payload-shape.js';

const ALLOWED = new Set<unknown>(CLIENT_EVENTS);

/**
 * The first check of every inbound event, before Nest dispatches it: only events of the contract,
 * with payloads of sane depth and size. A refused event gets the error envelope (as its ack, or as
 * an `error_event`) and goes no further. Nothing thrown here reaches the process.
 */
export function guardInboundEvents(socket: DelivererSocket, logger: Logger): void {
  socket.use((packet, next) => {
    try {
      const [event, ...args] = packet as unknown[];
      const ack =
        typeof args.at(-1) === 'function' ? (args.pop() as (e: ErrorEnvelope) => void) : undefined;
      const refusal: ErrorEnvelope | undefined = !ALLOWED.has(event)
        ? { status: 'error', code: 'unknown_event', message: `unknown event ${describe(event)}` }
        : withMessage(payloadProblem(args));
      if (!refusal) return next();
      if (ack) ack(refusal);
      else socket.emit('error_event', refusal);
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
