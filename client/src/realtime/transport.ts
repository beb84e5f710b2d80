import type { ClientToServerEvents } from '@contract';

/** What the server answers to an event, derived from the contract's ack callback. */
type AckOf<E extends keyof ClientToServerEvents> = Parameters<
  NonNullable<Parameters<ClientToServerEvents[E]>[1]>
>[0];

/** `Ack<{ id }>`: the id is the original message's, also when the server saw clientMsgId before. */
export type InputEventAck = AckOf<'input_event'>;
/** `Ack<{ name }>` with the name as the server stored it (trimmed). */
export type SetProfileAck = AckOf<'set_profile'>;

/** `Ack<{ expiresAt }>` of a token swapped on a live socket. */
export type RefreshTokenAck = AckOf<'refresh_token'>;

/** `Ack<{ room, rooms }>`: `rooms` is every room the socket is in now, sorted. */
export type RoomAck = AckOf<'join_room'>;
/** `Ack<{ room, members }>`; `forbidden` for a non-member, `unavailable` while Redis is down. */
export type ListPresenceAck = AckOf<'list_presence'>;

/** A request gave up because the socket closed for good, not because an ack timed out. */
export class ConnectionClosedError extends Error {
  constructor() {
    super('the connection closed and will not reconnect by itself');
    this.name = 'ConnectionClosedError';
  }
}

/** Outbound half of the connection, injected into the store so tests need no server. */
export interface Transport {
  /**
   * Resolves with the server's ack. While disconnected the message waits and is re-sent with the
   * same clientMsgId after reconnecting; rejects once the retries are used up, or with
   * ConnectionClosedError when the socket closes for good.
   */
  send(payload: { text: string; clientMsgId: string; room?: string }): Promise<InputEventAck>;
  /** Resolves with the server's ack; rejects on timeout or with ConnectionClosedError. */
  setProfile(payload: { name: string }): Promise<SetProfileAck>;
  /** Presents a new token: on the live socket (`refresh_token`), or at the next handshake. */
  signIn(token: string): Promise<RefreshTokenAck>;
  /** Like setProfile: resolves with the ack, rejects on timeout or with ConnectionClosedError. */
  joinRoom(payload: { room: string }): Promise<RoomAck>;
  leaveRoom(payload: { room: string }): Promise<RoomAck>;
  listPresence(payload: { room: string }): Promise<ListPresenceAck>;
}
