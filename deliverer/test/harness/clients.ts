import { type Socket, io } from 'socket.io-client';
import type {
  BroadcastMessage,
  ClientToServerEvents,
  ServerToClientEvents,
} from '../../src/events/events.contract.js';

export type TestClient = Socket<ServerToClientEvents, ClientToServerEvents> & {
  /** Every broadcast_event this client received, in order. */
  received: BroadcastMessage[];
};

export type Transport = 'websocket' | 'polling';

const opened = new Set<TestClient>();

/** Connects a socket.io-client on one transport and resolves once it is connected. */
export async function connectClient(
  url: string,
  transport: Transport = 'websocket',
  timeoutMs = 10_000,
): Promise<TestClient> {
  const socket = io(url, {
    transports: [transport],
    upgrade: false,
    reconnection: false,
    forceNew: true,
  }) as TestClient;
  socket.received = [];
  socket.on('broadcast_event', (message) => socket.received.push(message));
  opened.add(socket);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no connection to ${url} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('connect_error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  return socket;
}

/** Resolves once `check` passes for this client's received broadcasts, re-checking on each one. */
export function waitForBroadcast(
  client: TestClient,
  check: (received: BroadcastMessage[]) => boolean,
  timeoutMs = 10_000,
): Promise<BroadcastMessage[]> {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (!check(client.received)) return;
      clearTimeout(timer);
      client.off('broadcast_event', onMessage);
      resolve(client.received);
    };
    const onMessage = () => queueMicrotask(attempt);
    const timer = setTimeout(() => {
      client.off('broadcast_event', onMessage);
      reject(
        new Error(
          `client ${client.id} did not get the expected broadcasts within ${timeoutMs} ms; got ${JSON.stringify(client.received.map((m) => m.text))}`,
        ),
      );
    }, timeoutMs);
    client.on('broadcast_event', onMessage);
    attempt();
  });
}

/** Waits until every client has seen a broadcast with this text. */
export function everyoneReceives(clients: TestClient[], text: string, timeoutMs?: number) {
  return Promise.all(
    clients.map((client) =>
      waitForBroadcast(client, (got) => got.some((m) => m.text === text), timeoutMs),
    ),
  );
}

export function countOf(client: TestClient, text: string): number {
  return client.received.filter((m) => m.text === text).length;
}

export function closeAllClients(): void {
  for (const socket of opened) socket.close();
  opened.clear();
}
