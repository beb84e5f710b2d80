import type { SessionInfo } from '@contract';
import type { State } from '../state';

export const connectionMutations = {
  connected(state: State, socketId: string) {
    const { connection } = state;
    connection.status = 'connected';
    connection.socketId = socketId;
    connection.reconnectAttempt = 0;
    connection.lastError = null;
    connection.connects += 1;
    if (!connection.ownSocketIds.includes(socketId)) connection.ownSocketIds.push(socketId);
  },

  /** Sent by the server on every connect, after socket.io's own `connect`. */
  sessionStarted(state: State, session: SessionInfo) {
    const { connection } = state;
    connection.node = session.node;
    connection.userId = session.userId ?? null;
    connection.authRequired = false;
    // The first connect of the tab has nothing to report: every session starts new then.
    if (connection.connects > 1)
      connection.sessionOutcome = session.recovered ? 'recovered' : 'new';
    // The server's session is the truth about our name: a recovered session brings it back, and a
    // new one has none, so our messages go out without it until the name is saved again.
    state.profile.name = session.name ?? null;
  },

  disconnected(state: State, willReconnect: boolean) {
    const { connection } = state;
    connection.status = willReconnect ? 'reconnecting' : 'offline';
    connection.socketId = null;
    // The next connection may land on another replica, and will report its own session outcome.
    connection.node = null;
    connection.sessionOutcome = null;
  },

  connectFailed(
    state: State,
    failure: { message: string; willReconnect: boolean; unauthorized?: boolean },
  ) {
    const { connection } = state;
    connection.lastError = failure.message;
    if (failure.unauthorized) connection.authRequired = true;
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
