import type { SessionInfo } from '@contract';
import type { State } from '../state';

export const connectionMutations = {
  connected(state: State, socketId: string) {
    const { connection } = state;
    connection.status = 'connected';
    connection.socketId = socketId;
    connection.reconnectAttempt = 0;
    connection.lastError = null;
    if (!connection.ownSocketIds.includes(socketId)) connection.ownSocketIds.push(socketId);
  },

  sessionStarted(state: State, session: SessionInfo) {
    state.connection.node = session.node;
  },

  disconnected(state: State, willReconnect: boolean) {
    const { connection } = state;
    connection.status = willReconnect ? 'reconnecting' : 'offline';
    connection.socketId = null;
    // The next connection may land on another replica.
    connection.node = null;
  },

  connectFailed(state: State, failure: { message: string; willReconnect: boolean }) {
    const { connection } = state;
    connection.lastError = failure.message;
    // While retries are scheduled keep 'connecting'/'reconnecting'; the manager reports attempts.
    if (!failure.willReconnect) connection.status = 'offline';
  },

  reconnectAttempt(state: State, attempt: number) {
    state.connection.status = 'reconnecting';
    state.connection.reconnectAttempt = attempt;
  },

  /** The transport is back; status turns 'connected' only when the namespace handshake ends. */
  reconnected(state: State) {
    state.connection.reconnectAttempt = 0;
  },
};
