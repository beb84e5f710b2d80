/**
 * The one event contract between the gateway and its clients.
 *
 * The server validates every inbound payload against these schemas at the edge;
 * clients import only the types (`import type`), so no server code reaches a bundle.
 */
import { z } from 'zod';

/** Every error a client can see, whether as an ack or as an `error_event`. */
export const ERROR_CODES = [
  'invalid_payload',
  'unknown_event',
  'rate_limited',
  'unauthorized',
  'token_expired',
  'forbidden',
  'too_many_rooms',
  /** A dependency (Redis) did not answer in time; retrying later may succeed. */
  'unavailable',
  'internal_error',
] as const;

/** Display names: visible characters and spaces, no control or format characters. */
const DISPLAY_NAME = /^[^\p{C}]+$/u;
export const MAX_NAME_LENGTH = 40;

/** Client-chosen idempotency key of a send: high-entropy, e.g. a UUID. */
const CLIENT_MSG_ID = /^[\w-]{16,64}$/;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorEnvelope {
  status: 'error';
  code: ErrorCode;
  message: string;
  /** With `rate_limited`: when the next event will be accepted. */
  retryAfterMs?: number;
}

export type Ack<T extends object = object> = ({ status: 'ok' } & T) | ErrorEnvelope;

/** A required string field whose errors name the field. */
const requiredString = (field: string) =>
  z.string({
    error: (issue) =>
      issue.input === undefined ? `${field} is required` : `${field} must be a string`,
  });

/** An object payload that refuses unknown fields and names them. */
const strictPayload = <S extends z.ZodRawShape>(shape: S, expected: string) =>
  z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}`
        : `payload must be ${expected}`,
  });

/** Room names: what fits in a URL path segment and a log line, never a socket id (no `:`). */
const ROOM_NAME = /^[\w.-]{1,64}$/;
const roomName = requiredString('room').regex(ROOM_NAME, {
  error: 'room must be 1 to 64 letters, digits, _, . or -',
});

export const roomSchema = strictPayload({ room: roomName }, 'an object { room: string }');
export type RoomPayload = z.input<typeof roomSchema>;
export type Room = z.output<typeof roomSchema>;

/** Builds the `input_event` schema for one configured text limit. */
export const inputEventSchema = (maxTextLength: number) =>
  z.preprocess(
    // A bare string is accepted because the original echo clients send socket.emit('input_event', 'hello!').
    (payload) => (typeof payload === 'string' ? { text: payload } : payload),
    strictPayload(
      {
        text: requiredString('text')
          .trim()
          .min(1, { error: 'text must not be empty' })
          .max(maxTextLength, { error: `text must be at most ${maxTextLength} characters` }),
        clientMsgId: z
          .string({ error: 'clientMsgId must be a string' })
          .regex(CLIENT_MSG_ID, { error: 'clientMsgId must be 16 to 64 letters, digits, - or _' })
          .optional(),
        /** Only that room's members get the message; without it, everybody (the lobby). */
        room: roomName.optional(),
      },
      'a string or an object { text: string }',
    ),
  );

export type InputEventPayload = string | { text: string; clientMsgId?: string; room?: string };
export type InputEvent = z.output<ReturnType<typeof inputEventSchema>>;

export const setProfileSchema = strictPayload(
  {
    name: requiredString('name')
      .trim()
      .min(1, { error: 'name must not be empty' })
      .max(MAX_NAME_LENGTH, { error: `name must be at most ${MAX_NAME_LENGTH} characters` })
      .regex(DISPLAY_NAME, { error: 'name must not contain control characters' }),
  },
  'an object { name: string }',
);

export type SetProfilePayload = z.input<typeof setProfileSchema>;
export type SetProfile = z.output<typeof setProfileSchema>;

export const refreshTokenSchema = strictPayload(
  {
    token: requiredString('token')
      .min(1, { error: 'token must not be empty' })
      .max(8192, { error: 'token must be at most 8192 characters' }),
  },
  'an object { token: string }',
);

export type RefreshToken = z.output<typeof refreshTokenSchema>;

export interface BroadcastMessage {
  /** Unique across replicas. */
  id: string;
  text: string;
  /** The sender's user id (the token's `sub`) when authentication is on, else its socket id. */
  sender: string;
  /** The token's `name`, or the name the sender set with `set_profile`. */
  senderName?: string;
  /** The replica that accepted the message. */
  node: string;
  /** Epoch milliseconds. */
  sentAt: number;
  /** The room it was sent to; absent for the lobby. */
  room?: string;
}

/** A socket in a room's presence: one entry per socket, so a user with two tabs is there twice. */
export interface PresenceMember {
  socketId: string;
  /** The display name when the member joined, or as updated by `set_profile`. */
  name?: string;
  /** The authenticated user id, when authentication is on. */
  userId?: string;
  /** The replica serving the socket. */
  node: string;
  /** Epoch milliseconds of the join. */
  joinedAt: number;
}

/** Sent to a room's members when its presence changes, on every replica. */
export interface PresenceEvent {
  room: string;
  /** `update`: the member changed its display name. */
  type: 'join' | 'leave' | 'update';
  member: PresenceMember;
}

/** Sent once on every connect: who serves this socket, and whether its session was recovered. */
export interface SessionInfo {
  node: string;
  recovered: boolean;
  /** The display name kept in the session, if any. */
  name?: string;
  /** The authenticated user id, when authentication is on. */
  userId?: string;
}

export interface ClientToServerEvents {
  input_event: (payload: InputEventPayload, ack: (res: Ack<{ id: string }>) => void) => void;
  set_profile: (payload: SetProfilePayload, ack: (res: Ack<{ name: string }>) => void) => void;
  /** Replaces the token of a connected socket before it expires; the user must stay the same. */
  refresh_token: (
    payload: RefreshToken,
    ack: (res: Ack<{ expiresAt: number | null }>) => void,
  ) => void;
  /** Joins a room: its messages reach this socket on every replica, also after a recovery. */
  join_room: (
    payload: RoomPayload,
    ack: (res: Ack<{ room: string; rooms: string[] }>) => void,
  ) => void;
  /** Leaves a room; leaving one the socket is not in is fine. */
  leave_room: (
    payload: RoomPayload,
    ack: (res: Ack<{ room: string; rooms: string[] }>) => void,
  ) => void;
  /** Who is in a room, across every replica; only members may ask. */
  list_presence: (
    payload: RoomPayload,
    ack: (res: Ack<{ room: string; members: PresenceMember[] }>) => void,
  ) => void;
}

export interface ServerToClientEvents {
  broadcast_event: (message: BroadcastMessage) => void;
  error_event: (error: ErrorEnvelope) => void;
  session: (info: SessionInfo) => void;
  presence_event: (event: PresenceEvent) => void;
}

/** The events a client may send: anything else is refused at the edge. */
export const CLIENT_EVENTS = [
  'input_event',
  'set_profile',
  'refresh_token',
  'join_room',
  'leave_room',
  'list_presence',
] as const;
// Fails to compile when an event of ClientToServerEvents is missing from CLIENT_EVENTS.
const everyClientEventListed: Record<keyof ClientToServerEvents, true> = {
  input_event: true,
  set_profile: true,
  refresh_token: true,
  join_room: true,
  leave_room: true,
  list_presence: true,
} satisfies Record<(typeof CLIENT_EVENTS)[number], true>;
void everyClientEventListed;

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- no server-to-server events yet
export interface InterServerEvents {}

/** Per-socket state; Connection State Recovery carries it to whichever replica restores the session. */
export interface SocketData {
  /** The replica serving the socket now. */
  node: string;
  /** Display name from `set_profile`. */
  name?: string;
  /** Who the handshake token says the client is; checked again on every recovery. */
  user?: { id: string; name?: string; expiresAt?: number };
}
