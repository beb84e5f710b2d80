import type { Logger } from '@nestjs/common';
import type { ExtendedError } from 'socket.io';
import type { DelivererSocket } from '../events/events.types.js';
import { TokenRejected, type TokenVerifier } from './token-verifier.js';

/**
 * The `io.use()` middleware that authenticates every handshake, recovered sessions included:
 * Nest guards do not run at connection time (nest#882). A refusal reaches the client as
 * `connect_error` with `data: { code: 'unauthorized', message }`.
 */
export function handshakeAuth(
  verifier: TokenVerifier,
  logger: Logger,
  refused: (code: string) => void = () => undefined,
) {
  return (socket: DelivererSocket, next: (err?: ExtendedError) => void): void => {
    const token: unknown = (socket.handshake.auth as Record<string, unknown> | undefined)?.token;
    verifier
      .verify(token)
      .then((identity) => {
        // A stolen session id must not let another user take over a session.
        if (socket.recovered && socket.data.user?.id !== identity.id) {
          throw new TokenRejected('unauthorized', 'the session belongs to another user');
        }
        socket.data.user = identity;
        next();
      })
      .catch((err: unknown) => {
        const message = err instanceof TokenRejected ? err.message : 'the token cannot be verified';
        if (!(err instanceof TokenRejected)) logger.error({ err }, 'token verification failed');
        logger.warn(
          { address: socket.handshake.address, recovered: socket.recovered, reason: message },
          'handshake unauthorized',
        );
        refused('unauthorized');
        next(Object.assign(new Error('unauthorized'), { data: { code: 'unauthorized', message } }));
      });
  };
}
