/** Mirrors the contract's ROOM_NAME; importing the value would bundle the server's zod. */
const ROOM_NAME = /^[\w.-]{1,64}$/;

export const MAX_ROOM_NAME_LENGTH = 64;

export const INVALID_ROOM_MESSAGE = 'Room names are 1 to 64 letters, digits, _, . or -.';

export function isRoomName(value: unknown): value is string {
  return typeof value === 'string' && ROOM_NAME.test(value);
}
