import type { DelivererSocket } from './events.types.js';

/** The token's name when authentication is on (names come from tokens), else `set_profile`'s. */
export function displayName(socket: DelivererSocket): string | undefined {
  return socket.data.user ? socket.data.user.name : socket.data.name;
}

/** Who the socket says it is, as the session event and presence show it; absent fields stay absent. */
export function identityOf(socket: DelivererSocket): { name?: string; userId?: string } {
  return {
    ...withDefined('name', displayName(socket)),
    ...withDefined('userId', socket.data.user?.id),
  };
}

/** `{ [key]: value }`, or nothing when there is no value: optional fields stay absent, not undefined. */
export function withDefined<K extends string>(key: K, value: string | undefined) {
  return (value === undefined ? {} : { [key]: value }) as Partial<Record<K, string>>;
}
