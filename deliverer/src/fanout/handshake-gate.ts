import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LifecycleState } from '../lifecycle/lifecycle.state.js';

const RETRY_AFTER_S = 1;
const SID = /[?&]sid=([^&]+)/;

/**
 * An Engine.IO middleware for the drain. New sessions get 503, so nginx (proxy_next_upstream
 * http_503) or the client's backoff tries another replica. Requests of live sessions pass: they
 * still need their polls until they are handed over. A request of a session already handed over
 * (a long-polling POST that crossed the close) gets 410 rather than Engine.IO's 400 "Session ID
 * unknown", which would read as broken stickiness; its packet is re-sent after the reconnect.
 */
export function handshakeGate(lifecycle: LifecycleState, isLiveSession: (sid: string) => boolean) {
  return (req: IncomingMessage, res: ServerResponse, next: (err?: Error) => void): void => {
    if (!lifecycle.draining) return next();
    const sid = SID.exec(req.url ?? '')?.[1];
    if (sid !== undefined && isLiveSession(decodeURIComponent(sid))) return next();
    const [status, code] = sid === undefined ? [503, 'draining'] : [410, 'session_moved'];
    const body = JSON.stringify({ code, message: 'this replica is shutting down; reconnect' });
    if (req.headers.upgrade) {
      // Engine.IO hands upgrades a stand-in response that cannot write a status line.
      const reason = status === 503 ? 'Service Unavailable' : 'Gone';
      req.socket.end(
        `HTTP/1.1 ${status} ${reason}\r\nRetry-After: ${RETRY_AFTER_S}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Retry-After': String(RETRY_AFTER_S),
    });
    res.end(body);
  };
}
