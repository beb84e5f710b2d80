import type { TestClient } from './clients.js';

/**
 * What the typed contract forbids, sent as a hostile or buggy client would: socket.io-client's
 * typings only accept the contract's events and payloads, hence the casts.
 */
interface Untyped {
  emit: (event: unknown, ...args: unknown[]) => void;
  once: (event: string, listener: (value: unknown) => void) => void;
  off: (event: string, listener: (value: unknown) => void) => void;
}

/** Emits anything and resolves with the server's ack, or rejects after 5 s without one. */
export function emitRaw(client: TestClient, event: unknown, ...args: unknown[]): Promise<unknown> {
  const raw = client.timeout(5000) as unknown as {
    emitWithAck: (event: unknown, ...a: unknown[]) => Promise<unknown>;
  };
  return raw.emitWithAck(event, ...args);
}

/** Emits without an ack: the gateway answers a refusal with an `error_event` instead. */
export function emitWithoutAck(client: TestClient, event: unknown, ...args: unknown[]): void {
  (client as unknown as Untyped).emit(event, ...args);
}

/** Resolves with the next `event` the client receives, of any name, or rejects at the timeout. */
export function nextEvent<T = unknown>(
  client: TestClient,
  event: string,
  timeoutMs = 15_000,
): Promise<T> {
  const untyped = client as unknown as Untyped;
  return new Promise((resolve, reject) => {
    const listener = (value: unknown) => {
      clearTimeout(timer);
      resolve(value as T);
    };
    const timer = setTimeout(() => {
      untyped.off(event, listener);
      reject(new Error(`client ${client.id}: no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    untyped.once(event, listener);
  });
}
