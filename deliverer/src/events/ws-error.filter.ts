import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { ErrorEnvelope } from './events.contract.js';
import { DelivererError } from './deliverer.error.js';
import type { DelivererSocket } from './events.types.js';
import { clientAwaitsAck } from './replies.js';

/**
 * Turns every error thrown while handling an event into the error envelope: as the ack when the
 * client asked for one, else as an `error_event`. Unknown errors are logged and never leak details.
 */
@Catch()
export class WsErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(WsErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const ws = host.switchToWs();
    const socket = ws.getClient<DelivererSocket>();
    const envelope: ErrorEnvelope =
      exception instanceof DelivererError
        ? exception.toEnvelope()
        : {
            status: 'error',
            code: 'internal_error',
            message: 'The server could not handle this event',
          };
    if (!(exception instanceof DelivererError)) {
      this.logger.error(
        { err: exception, socketId: socket.id, event: ws.getPattern() },
        'event handler failed',
      );
    }
    // Nest passes (socket, data, reply, pattern); see replyFor() for what reply does.
    const reply: unknown = host.getArgByIndex(2);
    if (typeof reply === 'function') reply(envelope);
    if (!clientAwaitsAck(reply)) socket.emit('error_event', envelope);
  }
}
