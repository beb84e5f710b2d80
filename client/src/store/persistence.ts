import type { Plugin } from 'vuex';
import { isRoomName } from '../room-name';
import { LOBBY, type PersistedRooms, type State } from './state';

export const ROOMS_STORAGE_KEY = 'deliverer:rooms';

/**
 * localStorage may be missing, or throw when the browser blocks it: rooms then live in memory
 * only, for as long as the tab is open.
 */
export function browserStorage(): Storage | undefined {
  try {
    return globalThis.localStorage ?? undefined;
  } catch {
    return undefined;
  }
}

/** Whatever was stored, by another version or by hand, only valid names come back. */
export function loadRooms(storage: Storage | undefined): PersistedRooms {
  let stored: unknown;
  try {
    stored = JSON.parse(storage?.getItem(ROOMS_STORAGE_KEY) ?? 'null');
  } catch {
    stored = null;
  }
  const { joined, current } = (stored ?? {}) as Partial<Record<keyof PersistedRooms, unknown>>;
  const rooms = Array.isArray(joined) ? [...new Set(joined.filter(isRoomName))] : [];
  return {
    joined: rooms,
    current: isRoomName(current) && rooms.includes(current) ? current : LOBBY,
  };
}

/** Writes the joined rooms and the current one back whenever they change. */
export function persistRooms(storage: Storage | undefined): Plugin<State> {
  return (store) => {
    store.watch(
      ({ rooms }) => JSON.stringify({ joined: rooms.joined, current: rooms.current }),
      (rooms) => {
        try {
          storage?.setItem(ROOMS_STORAGE_KEY, rooms);
        } catch {
          // A full or blocked storage costs only the restore after a reload.
        }
      },
      // Written by the mutation itself, so a reload right after it cannot lose it.
      { flush: 'sync' },
    );
  };
}
