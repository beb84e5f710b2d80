import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LifecycleState } from '../lifecycle/lifecycle.state.js';

const RETRY_AFTER_S = 1;

/**
 * An Engine.IO middleware refusing new sessions with 503 while the replica drains, so nginx
 * (proxy_next_upstream http_503) or the client's backoff retries another replica. Requests of
 * existing sessions (with a sid) pass: they still need their polls until they are disconnected.
 */
export function handshakeGate(lifecycle: LifecycleState) {
  return (req: IncomingMessage, res: ServerResponse, next: (err?: Error) => void): void => {
    if (!lifecycle.draining || /[?&]sid=/.test(req.url ?? '')) return next();
    const body = JSON.stringify({
      code: 'draining',
      message: 'this replica is shutting down; retry',
    });
    if (req.headers.upgrade) {
      // Engine.IO hands upgrades a stand-in response that cannot write a status line.
      req.socket.end(
        `HTTP/1.1 503 Service Unavailable\r\nRetry-After: ${RETRY_AFTER_S}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    res.writeHead(503, {
      'Content-Type': 'application/json',
      'Retry-After': String(RETRY_AFTER_S),
    });
    res.end(body);
  };
}
