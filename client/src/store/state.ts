import type { BroadcastMessage, ErrorEnvelope } from '@contract';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** What the server said about the session of the latest RE-connect. */
export type SessionOutcome = 'recovered' | 'new';

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
  /** Successful connects so far; the `session` event of any but the first is a re-connect. */
  connects: number;
  /** Set by the `session` event of a re-connect, cleared when that connection drops. */
  sessionOutcome: SessionOutcome | null;
  /** The server wants a (new) token: it refused the handshake, or the token expired. */
  authRequired: boolean;
  /** The authenticated user id, when the server authenticates connections. */
  userId: string | null;
}

/** A send whose fate is unknown: re-sending the same text reuses its id, so the server dedupes. */
export interface UnconfirmedSend {
  text: string;
  clientMsgId: string;
}

export type SendResult =
  | { status: 'idle' }
  | { status: 'pending'; text: string; clientMsgId: string }
  | { status: 'ok'; id: string }
  | { status: 'error'; message: string; unconfirmed: UnconfirmedSend | null };

export interface ProfileState {
  /** The display name the server confirmed (ack or `session` event); null when none is set. */
  name: string | null;
  saving: boolean;
  /** Why the last save failed: the server's message, or a timeout. */
  error: string | null;
}

export interface State {
  connection: ConnectionState;
  /** Arrival order, unique by id, capped at MAX_MESSAGES. */
  messages: BroadcastMessage[];
  lastSend: SendResult;
  /** Last `error_event`: the server rejected something we sent without an ack. */
  serverError: ErrorEnvelope | null;
  profile: ProfileState;
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
      connects: 0,
      sessionOutcome: null,
      authRequired: false,
      userId: null,
    },
    messages: [],
    lastSend: { status: 'idle' },
    serverError: null,
    profile: { name: null, saving: false, error: null },
  };
}
