import type { BroadcastMessage, ErrorEnvelope } from '@contract';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline';

export interface ConnectionState {
  status: ConnectionStatus;
  /** Id of the live socket; null while disconnected. */
  socketId: string | null;
  /**
   * Every socket id this tab has had. A reconnect without session recovery yields a new id,
   * and messages sent under the old one are still ours.
   */
  ownSocketIds: string[];
  /** Replica serving this tab, once known; it may change on every reconnect. */
  node: string | null;
  reconnectAttempt: number;
  /** Why the last connection attempt failed, for the badge tooltip. */
  lastError: string | null;
}

export type SendResult =
  | { status: 'idle' }
  | { status: 'pending' }
  | { status: 'ok'; id: string }
  | { status: 'error'; message: string };

export interface State {
  connection: ConnectionState;
  /** Arrival order, unique by id, capped at MAX_MESSAGES. */
  messages: BroadcastMessage[];
  lastSend: SendResult;
  /** Last `error_event`: the server rejected something we sent without an ack. */
  serverError: ErrorEnvelope | null;
}

export const MAX_MESSAGES = 500;

export function createInitialState(): State {
  return {
    connection: {
      status: 'connecting',
      socketId: null,
      ownSocketIds: [],
      node: null,
      reconnectAttempt: 0,
      lastError: null,
    },
    messages: [],
    lastSend: { status: 'idle' },
    serverError: null,
  };
}
