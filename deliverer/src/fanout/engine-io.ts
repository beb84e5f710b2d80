import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server as EngineServer, Socket as EngineSocket } from 'engine.io';

const RETRY_AFTER_S = 1;
const SID = /[?&]sid=([^&]+)/;

/**
 * The sessions of this process. Engine.IO keeps them in a field its types mark protected; the
 * drain gate and the slow-consumer sweep both need them.
 */
export function engineSessions(engine: EngineServer): Readonly<Record<string, EngineSocket>> {
  return (engine as unknown as { clients: Record<string, EngineSocket> }).clients;
}

export function sessionIdOf(url: string | undefined): string | undefined {
  const sid = SID.exec(url ?? '')?.[1];
  return sid === undefined ? undefined : decodeSid(sid);
}

// A malformed escape (a hostile `sid=%E0`) must not throw inside Engine.IO's request handling.
function decodeSid(sid: string): string {
  try {
    return decodeURIComponent(sid);
  } catch {
    return sid;
  }
}

const REASONS: Record<number, string> = { 410: 'Gone', 503: 'Service Unavailable' };

/**
 * Answers an Engine.IO request with a JSON refusal and Retry-After, on polling and on upgrades
 * alike: Engine.IO hands upgrades a stand-in response that cannot write a status line.
 */
export function refuseRequest(
  req: IncomingMessage,
  res: ServerResponse,
  status: 410 | 503,
  code: string,
  message: string,
): void {
  const body = JSON.stringify({ code, message });
  if (req.headers.upgrade) {
    req.socket.end(
      `HTTP/1.1 ${status} ${REASONS[status]}\r\nRetry-After: ${RETRY_AFTER_S}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
    return;
  }
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Retry-After': String(RETRY_AFTER_S),
  });
  res.end(body);
}
