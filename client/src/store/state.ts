import type { BroadcastMessage, ErrorEnvelope, PresenceEvent, PresenceMember } from '@contract';

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

/**
 * A send whose fate is unknown: re-sending the same text to the same room reuses its id, so the
 * server dedupes. `room` is absent for the lobby, as on the wire.
 */
export interface UnconfirmedSend {
  text: string;
  clientMsgId: string;
  room?: string;
}

export type SendResult =
  | { status: 'idle' }
  | ({ status: 'pending' } & UnconfirmedSend)
  | { status: 'ok'; id: string }
  | { status: 'error'; message: string; unconfirmed: UnconfirmedSend | null };

export interface ProfileState {
  /** The display name the server confirmed (ack or `session` event); null when none is set. */
  name: string | null;
  saving: boolean;
  /** Why the last save failed: the server's message, or a timeout. */
  error: string | null;
}

/** Messages sent without a room reach everyone; it is not a valid room name, so never collides. */
export const LOBBY = '';

export interface RoomsState {
  /** Named rooms the user is in, in the order joined. Persisted, and re-joined on a new session. */
  joined: string[];
  /** The room on screen: a name from `joined`, or LOBBY. Persisted. */
  current: string;
  /** Messages that arrived in each room (LOBBY included) while it was not on screen. */
  unread: Record<string, number>;
  joining: boolean;
  /** Why the last join failed, or a persisted room could not be re-joined. */
  error: string | null;
}

/** A presence event that arrived while a `list_presence` was in flight. */
export interface BufferedPresenceEvent {
  /** The newest request already sent when the event arrived: its answer may predate the event. */
  after: number;
  event: PresenceEvent;
}

export interface RoomPresence {
  /** Keyed by socket id, so join, update and leave apply idempotently. */
  members: Record<string, PresenceMember>;
  /** A `list_presence` answer arrived at least once. */
  loaded: boolean;
  /** The last list failed (e.g. Redis down): the members may be out of date until re-listed. */
  stale: boolean;
  /** Sequence number of the newest `list_presence` sent for the room... */
  requested: number;
  /** ...and of the newest one answered; older answers arriving late are ignored. */
  answered: number;
  /** Re-applied on top of each list answer, so a stale list cannot undo them. */
  buffered: BufferedPresenceEvent[];
}

export interface State {
  connection: ConnectionState;
  /** Arrival order, unique by id, capped at MAX_MESSAGES. */
  messages: BroadcastMessage[];
  lastSend: SendResult;
  /** Last `error_event`: the server rejected something we sent without an ack. */
  serverError: ErrorEnvelope | null;
  profile: ProfileState;
  rooms: RoomsState;
  /** Per joined room; the lobby has no presence. */
  presence: Record<string, RoomPresence>;
}

export const MAX_MESSAGES = 500;

/** What the store restores from localStorage at start-up. */
export interface PersistedRooms {
  joined: string[];
  current: string;
}

export function createInitialState(
  persisted: PersistedRooms = { joined: [], current: LOBBY },
): State {
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
    rooms: {
      joined: [...persisted.joined],
      current: persisted.current,
      unread: {},
      joining: false,
      error: null,
    },
    presence: {},
  };
}
