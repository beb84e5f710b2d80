import type { ClientToServerEvents, ServerToClientEvents } from '@contract';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type { TypedDispatch } from '../store/actions';
import type { TypedCommit } from '../store/mutations';
import { handshakeAuth, type TokenHolder } from './token';
import { ConnectionClosedError, type Transport } from './transport';
import reconnectPolicy from './reconnect-policy.json';

export type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Re-sends of one emit before socket.io-client gives up on it (so 1 + RETRIES attempts). */
export const SEND_RETRIES = 5;
/** How long each attempt waits for its ack while connected. */
export const ACK_TIMEOUT_MS = 5000;
/**
 * Per-attempt timeout of `set_profile`. With `retries` set, even a .timeout() emit rides the
 * queue: it waits out a reconnect and is retried like a send, which is harmless as it is idempotent.
 */
export const PROFILE_TIMEOUT_MS = 5000;
/** The same for `join_room`, `leave_room` and `list_presence`, all idempotent too. */
export const ROOM_TIMEOUT_MS = 5000;

export const SOCKET_OPTIONS: Partial<ManagerOptions & SocketOptions> = {
  // Listeners must be bound to the store before the first event can arrive.
  autoConnect: false,
  // WebSocket first; fall back to long-polling where proxies block upgrades.
  transports: ['websocket', 'polling'],
  tryAllTransports: true,
  withCredentials: true,
  reconnection: true,
  // First retry after 0.4-1.2 s, doubling up to 5 s. A replica binds its port at once and holds
  // what arrives while it boots (~0.5 s), and through a load balancer a retry reaches a live
  // replica. Sooner (0.25-0.75 s) piled every client into one burst at the end of the boot, and
  // the last one back later (measured: 1.9 s against 1.6 s); the jitter spreads the rest.
  // Shared with `npm run bench`.
  ...reconnectPolicy,
  // With `retries`, every emit goes through socket.io-client's queue: one packet in flight at a
  // time, in order; an attempt ends on its ack, after ackTimeout, or when the connection drops
  // (that counts as an attempt), and the packet is re-sent, unchanged, once connected again. The
  // clientMsgId inside makes those re-sends safe: the server acks a repeat without broadcasting.
  // Time spent disconnected does not count: a queued packet waits for the reconnect.
  retries: SEND_RETRIES,
  ackTimeout: ACK_TIMEOUT_MS,
};

/** `url` undefined means same origin. */
export function createSocket(url: string | undefined, token: TokenHolder): AppSocket {
  const options = { ...SOCKET_OPTIONS, auth: handshakeAuth(token) };
  return url ? io(url, options) : io(options);
}

export interface Connection extends Transport {
  /** Binds every socket and manager event to store commits and actions, then connects. */
  start(commit: TypedCommit, dispatch: TypedDispatch): void;
  stop(): void;
}

/** The only owner of the socket: components and the store never see it. */
export function createConnection(
  socket: AppSocket,
  token: TokenHolder = { current: null },
): Connection {
  let unbind: (() => void) | null = null;
  /** Rejecters of the requests still waiting for an ack. */
  const waiting = new Set<(error: Error) => void>();

  /**
   * Once socket.io stops reconnecting, its queue would hold a request forever: fail it instead.
   * The packet stays in socket.io's queue; nothing in this app reconnects a closed socket, and a
   * reload starts a new one, so it is never sent after we reported it failed.
   */
  function closed() {
    for (const fail of waiting) fail(new ConnectionClosedError());
    waiting.clear();
  }

  function untilClosed<T>(request: () => Promise<T>): Promise<T> {
    // Inactive means never started, or given up: nothing would ever send the packet.
    if (!socket.active) return Promise.reject(new ConnectionClosedError());
    return new Promise<T>((resolve, reject) => {
      waiting.add(reject);
      request().then(
        (value) => {
          waiting.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          waiting.delete(reject);
          reject(error);
        },
      );
    });
  }

  return {
    start(commit, dispatch) {
      unbind?.();
      unbind = bindSocket(socket, { commit, dispatch }, closed);
      socket.connect();
    },

    stop() {
      unbind?.();
      unbind = null;
      socket.disconnect();
      closed();
    },

    send(payload) {
      // No .timeout(): the socket's ackTimeout and retries apply, and a send made while
      // disconnected is queued rather than failed.
      return untilClosed(() => socket.emitWithAck('input_event', payload));
    },

    setProfile(payload) {
      return untilClosed(() =>
        socket.timeout(PROFILE_TIMEOUT_MS).emitWithAck('set_profile', payload),
      );
    },

    async signIn(newToken) {
      token.current = newToken;
      // A live socket swaps its credential in place; otherwise the next handshake presents it.
      if (socket.connected) {
        return socket.timeout(PROFILE_TIMEOUT_MS).emitWithAck('refresh_token', { token: newToken });
      }
      if (!socket.active) socket.connect();
      return { status: 'ok', expiresAt: null };
    },

    joinRoom(payload) {
      return untilClosed(() => socket.timeout(ROOM_TIMEOUT_MS).emitWithAck('join_room', payload));
    },

    leaveRoom(payload) {
      return untilClosed(() => socket.timeout(ROOM_TIMEOUT_MS).emitWithAck('leave_room', payload));
    },

    listPresence(payload) {
      return untilClosed(() =>
        socket.timeout(ROOM_TIMEOUT_MS).emitWithAck('list_presence', payload),
      );
    },
  };
}

/** Returns a function that removes every listener it added. */
export function bindSocket(
  socket: AppSocket,
  { commit, dispatch }: { commit: TypedCommit; dispatch: TypedDispatch },
  onClosed: () => void = () => {},
): () => void {
  // socket.active is false when socket.io will not retry by itself: the server disconnected us,
  // refused the handshake, or we called disconnect().
  const settle = () => {
    if (!socket.active) onClosed();
  };
  const socketListeners: Partial<ServerToClientEvents> &
    Record<string, (...args: never[]) => void> = {
    connect: () => {
      if (socket.id) commit('connected', socket.id);
    },
    disconnect: () => {
      commit('disconnected', socket.active);
      settle();
    },
    connect_error: (error: Error & { data?: { code?: string; message?: string } }) => {
      commit('connectFailed', {
        message: error.data?.message ?? error.message,
        willReconnect: socket.active,
        unauthorized: error.data?.code === 'unauthorized',
      });
      settle();
    },
    broadcast_event: (message) => commit('broadcastReceived', message),
    error_event: (error) => commit('serverErrorReceived', error),
    session: (session) => {
      commit('sessionStarted', session);
      void dispatch('resumeRooms', session.recovered);
    },
    presence_event: (event) => void dispatch('presenceReceived', event),
  };
  const managerListeners: Record<string, (...args: never[]) => void> = {
    reconnect_attempt: (attempt: number) => commit('reconnectAttempt', attempt),
    reconnect: () => commit('reconnected'),
  };

  // The maps are keyed by event name; socket.io's per-event typings cannot follow a loop.
  const untyped = {
    socket: socket as unknown as Emitter,
    manager: socket.io as unknown as Emitter,
  };
  for (const [event, fn] of Object.entries(socketListeners)) untyped.socket.on(event, fn);
  for (const [event, fn] of Object.entries(managerListeners)) untyped.manager.on(event, fn);
  return () => {
    for (const [event, fn] of Object.entries(socketListeners)) untyped.socket.off(event, fn);
    for (const [event, fn] of Object.entries(managerListeners)) untyped.manager.off(event, fn);
  };
}

interface Emitter {
  on(event: string, fn: (...args: never[]) => void): unknown;
  off(event: string, fn: (...args: never[]) => void): unknown;
}
