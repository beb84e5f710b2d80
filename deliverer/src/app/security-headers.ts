import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Server } from 'socket.io';

// Vite emits the client as external /assets files, so the page needs no 'unsafe-inline'.
// ws: and wss: are listed because not every browser counts them as 'self'.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Sent on every response: one origin-wide policy, so no route can be left out. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  // For browsers that predate frame-ancestors.
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
});

function setSecurityHeaders(
  _req: IncomingMessage,
  res: ServerResponse,
  next: (err?: Error) => void,
): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  next();
}

/** Call before the static assets, so the page and its files carry the headers too. */
export function securityHeaders(app: NestExpressApplication): void {
  app.disable('x-powered-by');
  app.use(setSecurityHeaders);
}

/**
 * Engine.IO answers /socket.io/ before Express sees the request. A middleware rather than the
 * `headers` event also covers Engine.IO's own error replies; installed before the other engine
 * middlewares, it covers theirs too. On an upgrade the headers go into the 101 response.
 */
export function engineSecurityHeaders(engine: Server['engine']): void {
  engine.use(setSecurityHeaders);
}
