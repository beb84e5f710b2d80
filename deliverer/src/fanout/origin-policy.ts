import type { IncomingMessage } from 'node:http';

export interface OriginRules {
  /** CORS_ORIGINS: allowed origins; `*` allows any. */
  origins: readonly string[];
  /** ALLOW_NO_ORIGIN: requests without an Origin header (server-side clients). */
  allowNoOrigin: boolean;
}

/**
 * Decides whether a handshake's Origin may open a session. CORS does not apply to WebSocket, so
 * without this any site could open a socket with the visitor's cookies (cross-site WebSocket
 * hijacking). The page's own origin (Origin host = Host) is always allowed.
 */
export function originAllowed(req: IncomingMessage, rules: OriginRules): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return rules.allowNoOrigin;
  if (rules.origins.includes('*') || rules.origins.includes(origin)) return true;
  return URL.canParse(origin) && new URL(origin).host === req.headers.host;
}
