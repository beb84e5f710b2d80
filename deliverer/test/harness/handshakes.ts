import { io } from 'socket.io-client';
import type { Transport } from './clients.js';

export interface HandshakeOptions {
  transport?: Transport;
  /** Sent with the handshake, e.g. `origin` or `x-forwarded-for`. */
  headers?: Record<string, string>;
  /** A JWT for `auth.token`. */
  token?: string;
  timeoutMs?: number;
}

/** What a refused handshake's `connect_error` carried. */
export interface HandshakeRefusal {
  message: string;
  data: unknown;
}

/**
 * Tries one handshake without reconnecting and closes the socket again. Resolves 'connected', or
 * with the `connect_error` of a refusal.
 */
export function tryHandshake(
  url: string,
  { transport = 'websocket', headers, token, timeoutMs = 10_000 }: HandshakeOptions = {},
): Promise<'connected' | HandshakeRefusal> {
  const socket = io(url, {
    transports: [transport],
    reconnection: false,
    forceNew: true,
    ...(headers && { extraHeaders: headers }),
    ...(token !== undefined && { auth: { token } }),
  });
  return new Promise<'connected' | HandshakeRefusal>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no handshake answer from ${url} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve('connected');
    });
    socket.once('connect_error', (err: Error & { data?: unknown }) => {
      clearTimeout(timer);
      resolve({ message: err.message, data: err.data });
    });
  }).finally(() => socket.close());
}

/** The same, told apart only as 'connected' or 'refused'. */
export async function handshakeOutcome(
  url: string,
  options?: HandshakeOptions,
): Promise<'connected' | 'refused'> {
  return (await tryHandshake(url, options)) === 'connected' ? 'connected' : 'refused';
}
