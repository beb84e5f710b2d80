import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LifecycleState } from '../lifecycle/lifecycle.state.js';
import { refuseRequest, sessionIdOf } from './engine-io.js';

/**
 * An Engine.IO middleware for the drain. New sessions get 503, so nginx (proxy_next_upstream
 * http_503) or the client's backoff tries another replica. Requests of live sessions pass: they
 * still need their polls until they are handed over. A request of a session already handed over
 * (a long-polling POST that crossed the close) gets 410 rather than Engine.IO's 400 "Session ID
 * unknown", which would read as broken stickiness; its packet is re-sent after the reconnect.
 */
export function handshakeGate(
  lifecycle: LifecycleState,
  isLiveSession: (sid: string) => boolean,
  refused: (code: string) => void = () => undefined,
) {
  return (req: IncomingMessage, res: ServerResponse, next: (err?: Error) => void): void => {
    if (!lifecycle.draining) return next();
    const sid = sessionIdOf(req.url);
    if (sid !== undefined && isLiveSession(sid)) return next();
    const [status, code] =
      sid === undefined ? ([503, 'draining'] as const) : ([410, 'session_moved'] as const);
    refused(code);
    refuseRequest(req, res, status, code, 'this replica is shutting down; reconnect');
  };
}
