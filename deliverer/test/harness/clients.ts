import { Agent } from 'node:http';
import { type ManagerOptions, type Socket, io } from 'socket.io-client';
import type {
  BroadcastMessage,
  ClientToServerEvents,
  PresenceEvent,
  ServerToClientEvents,
  SessionInfo,
} from '../../src/events/events.contract.js';

export type TestClient = Socket<ServerToClientEvents, ClientToServerEvents> & {
  /** Every broadcast_event this client received, in order. */
  received: BroadcastMessage[];
  /** Every session event, one per (re)connect. */
  sessions: SessionInfo[];
  /** Every presence_event, in order. */
  presence: PresenceEvent[];
  /** Engine.IO heartbeats seen: proof that a long-polling session keeps working. */
  pings: number;
  /** Where the next reconnect goes; change it to follow a load balancer's next choice. */
  failoverTo?: string;
};

export type Transport = 'websocket' | 'polling';

const opened = new Set<TestClient>();

export interface ClientOptions {
  transport?: Transport;
  /** Reconnect after a drop, to this URL: what a load balancer does when a replica goes away. */
  failoverTo?: string;
  /** Source address on loopback, so nginx's `hash $remote_addr` spreads clients. */
  localAddress?: string;
  /** socket.io-client's at-least-once sends: queue while disconnected, re-send un-acked ones. */
  retries?: number;
  timeoutMs?: number;
  /** A JWT for the handshake (`auth.token`); change `client.auth` to send another on reconnects. */
  token?: string;
  /** Sent with the handshake, e.g. `origin` or `x-forwarded-for`. */
  headers?: Record<string, string>;
}

/** Connects a socket.io-client on one transport and resolves once it is connected. */
export async function connectClient(url: string, options: ClientOptions = {}): Promise<TestClient> {
  const {
    transport = 'websocket',
    failoverTo,
    localAddress,
    retries,
    timeoutMs = 10_000,
    token,
    headers,
  } = options;
  // The websocket transport hands localAddress to ws; polling binds only through an http.Agent.
  // engine.io-client's types describe browsers, hence the cast.
  const bind = localAddress
    ? ({ localAddress, agent: new Agent({ localAddress }) } as unknown as Partial<ManagerOptions>)
    : {};
  const socket = io(url, {
    transports: [transport],
    upgrade: false,
    forceNew: true,
    // Keeps cookies (the load balancer's affinity cookie) across requests, as a browser would.
    withCredentials: true,
    reconnection: failoverTo !== undefined,
    // Short, jittered backoff keeps failover tests quick without synchronised reconnects.
    reconnectionDelay: 100,
    reconnectionDelayMax: 1000,
    randomizationFactor: 0.5,
    ...(retries !== undefined && { retries, ackTimeout: 2000 }),
    ...(token !== undefined && { auth: { token } }),
    ...(headers && { extraHeaders: headers }),
    ...bind,
  }) as TestClient;
  socket.received = [];
  socket.sessions = [];
  socket.presence = [];
  socket.pings = 0;
  socket.io.on('ping', () => socket.pings++);
  socket.on('broadcast_event', (message) => socket.received.push(message));
  socket.on('session', (info) => socket.sessions.push(info));
  socket.on('presence_event', (event) => socket.presence.push(event));
  if (failoverTo !== undefined) {
    socket.failoverTo = failoverTo;
    socket.on('disconnect', () => {
      (socket.io as unknown as { uri: string }).uri = socket.failoverTo!;
    });
  }
  opened.add(socket);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `no connection to ${url} (${localAddress ?? 'default address'}) within ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    );
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('connect_error', (err) => {
      // Still active after a transport failure, but without reconnection nothing will retry.
      if (socket.active && socket.io.reconnection()) return;
      clearTimeout(timer);
      reject(err);
    });
  });
  return socket;
}

/** Resolves once `check` passes, re-checking after every `event` the client receives. */
function waitOn<T>(
  client: TestClient,
  event: 'broadcast_event' | 'session' | 'presence_event',
  check: () => T | undefined | false,
  describe: () => string,
  timeoutMs: number,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const result = check();
      if (result === undefined || result === false) return;
      clearTimeout(timer);
      client.off(event, onEvent);
      resolve(result);
    };
    // Checked after the harness' own listener has recorded the event.
    const onEvent = () => queueMicrotask(attempt);
    const timer = setTimeout(() => {
      client.off(event, onEvent);
      reject(
        new Error(
          `client ${client.id}: no ${event} as expected within ${timeoutMs} ms; ${describe()}`,
        ),
      );
    }, timeoutMs);
    client.on(event, onEvent);
    attempt();
  });
}

/** Resolves once `check` passes for this client's received broadcasts. */
export function waitForBroadcast(
  client: TestClient,
  check: (received: BroadcastMessage[]) => boolean,
  timeoutMs = 10_000,
): Promise<BroadcastMessage[]> {
  return waitOn(
    client,
    'broadcast_event',
    () => check(client.received) && client.received,
    () => `got ${JSON.stringify(client.received.map((m) => m.text))}`,
    timeoutMs,
  );
}

/** Resolves with the client's session events once it has at least `count` of them. */
export function waitForSession(
  client: TestClient,
  count = 1,
  timeoutMs = 10_000,
): Promise<SessionInfo[]> {
  return waitOn(
    client,
    'session',
    () => client.sessions.length >= count && client.sessions,
    () => `got ${JSON.stringify(client.sessions)}`,
    timeoutMs,
  );
}

/** Resolves once `check` passes for this client's presence events. */
export function waitForPresence(
  client: TestClient,
  check: (events: PresenceEvent[]) => boolean,
  timeoutMs = 10_000,
): Promise<PresenceEvent[]> {
  return waitOn(
    client,
    'presence_event',
    () => check(client.presence) && client.presence,
    () => `got ${JSON.stringify(client.presence.map((e) => [e.type, e.member.socketId]))}`,
    timeoutMs,
  );
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
  for (const socket of opened) {
    socket.io.reconnection(false);
    socket.close();
    // The engine too: a long-poll that fails once the servers are gone would otherwise reopen
    // requests after the test file has ended.
    socket.io.engine?.close();
  }
  opened.clear();
}

/**
 * Sends a fence from `sender` and waits until every client has it. The fence takes the same
 * ordered path as what the sender sent before, so once all have it, any duplicate of an earlier
 * message would already have arrived: exactly-once can then be asserted without waiting.
 */
export async function settle(sender: TestClient, clients: TestClient[]): Promise<void> {
  await sender.timeout(5000).emitWithAck('input_event', 'fence');
  await everyoneReceives(clients, 'fence');
}

/** Resolves once every client has had `count` heartbeats; over polling, each ends a poll cycle. */
export function waitForHeartbeats(
  clients: TestClient[],
  count: number,
  timeoutMs = 10_000,
): Promise<unknown> {
  return Promise.all(
    clients.map(
      (client) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`${client.id}: ${client.pings} of ${count} heartbeats`)),
            timeoutMs,
          );
          const check = () => {
            if (client.pings < count) return;
            clearTimeout(timer);
            client.io.off('ping', check);
            resolve();
          };
          client.io.on('ping', check);
          check();
        }),
    ),
  );
}
