import type { Logger } from '@nestjs/common';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { type Observable, isObservable } from 'rxjs';
import type { Socket } from 'socket.io';
import { type Reply, errorCodeOf, replyFor } from '../events/replies.js';

type Handler = MessageMappingProperties & { isAckHandledManually?: boolean };

/** Called as an event is dispatched; the returned function gets its outcome, once. */
export type EventObserver = (event: string) => (errorCode: string | undefined) => void;

/**
 * What IoAdapter.bindMessageHandlers does, without its per-socket RxJS pipeline: Nest 12 builds a
 * fromEvent → mergeMap → takeUntil chain for every handler of every gateway on every socket,
 * which took 28 KB of heap per idle connection where raw Socket.IO takes 11 (measured, 2,000
 * sockets). Here each handler is one listener, and an event costs one promise. The outcome is
 * observed here too: a Nest interceptor doing that added ~60 µs to every ack (echo p50).
 */
export function bindLeanHandlers(
  socket: Socket,
  handlers: Handler[],
  observe: EventObserver,
  logger: Logger,
): void {
  for (const { message, callback, isAckHandledManually } of handlers) {
    socket.on(message as string, (...args: unknown[]) => {
      const ack = typeof args.at(-1) === 'function' ? (args.pop() as Reply) : undefined;
      const data = args.length <= 1 ? args[0] : args;
      const outcome = observe(message as string);
      let settled = false;
      const reply = replyFor(ack, (response) => {
        if (settled) return;
        settled = true;
        outcome(errorCodeOf(response));
      });
      const respond = (response: unknown) => {
        if (response === undefined || response === null) return;
        const { event, data: payload } = response as { event?: string; data?: unknown };
        if (event) socket.emit(event, payload);
        else if (!isAckHandledManually) reply(response);
      };
      let pending: unknown;
      try {
        pending = callback(data, reply);
      } catch (err) {
        pending = Promise.reject(err);
      }
      Promise.resolve(pending)
        .then((result: unknown) =>
          isObservable(result) ? drain(result as Observable<unknown>, respond) : respond(result),
        )
        // As IoAdapter: an error that escaped the exception filters is a bug, logged, not thrown.
        .catch((err: unknown) => logger.error(err));
    });
  }
}

/** Nest answers with every value an Observable handler emits; an ack only takes the first. */
function drain(source: Observable<unknown>, respond: (value: unknown) => void): Promise<void> {
  return new Promise((resolve, reject) =>
    source.subscribe({ next: respond, error: reject, complete: resolve }),
  );
}
