import type { ClientToServerEvents, ServerToClientEvents } from '@contract';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type { TypedCommit } from '../store/mutations';
import type { InputEventAck, Transport } from './transport';

export type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export const SEND_TIMEOUT_MS = 5000;

const SOCKET_OPTIONS: Partial<ManagerOptions & SocketOptions> = {
  // Listeners must be bound to the store before the first event can arrive.
  autoConnect: false,
  // WebSocket first; fall back to long-polling where proxies block upgrades.
  transports: ['websocket', 'polling'],
  tryAllTransports: true,
  withCredentials: true,
  reconnection: true,
  reconnectionDelay: 1000,
  reconnectionDelayMax: 5000,
  // Spread reconnects out so a replica restart does not bring every tab back at once.
  randomizationFactor: 0.5,
};

/** `url` undefined means same origin. */
export function createSocket(url: string | undefined): AppSocket {
  return url ? io(url, SOCKET_OPTIONS) : io(SOCKET_OPTIONS);
}

export interface Connection extends Transport {
  /** Binds every socket and manager event to store commits, then connects. */
  start(commit: TypedCommit): void;
  stop(): void;
}

/** The only owner of the socket: components and the store never see it. */
export function createConnection(socket: AppSocket): Connection {
  let unbind: (() => void) | null = null;

  return {
    start(commit) {
      unbind?.();
      unbind = bindSocket(socket, commit);
      socket.connect();
    },

    stop() {
      unbind?.();
      unbind = null;
      socket.disconnect();
    },

    async send(payload) {
      // The contract's ack parameter is optional, so socket.io types this promise as any.
      const ack: InputEventAck = await socket
        .timeout(SEND_TIMEOUT_MS)
        .emitWithAck('input_event', payload);
      return ack;
    },
  };
}

/** Returns a function that removes every listener it added. */
export function bindSocket(socket: AppSocket, commit: TypedCommit): () => void {
  // socket.active is false when socket.io will not retry by itself: the server disconnected us,
  // refused the handshake, or we called disconnect().
  const socketListeners: Partial<ServerToClientEvents> &
    Record<string, (...args: never[]) => void> = {
    connect: () => {
      if (socket.id) commit('connected', socket.id);
    },
    disconnect: () => commit('disconnected', socket.active),
    connect_error: (error: Error) =>
      commit('connectFailed', { message: error.message, willReconnect: socket.active }),
    broadcast_event: (message) => commit('broadcastReceived', message),
    error_event: (error) => commit('serverErrorReceived', error),
    session: (session) => commit('sessionStarted', session),
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
