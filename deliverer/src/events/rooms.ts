import type { DelivererSocket } from './events.types.js';

// Socket.IO also puts every socket in a room named by its id; a client-chosen name must never
// match one, or it would receive another socket's private events. Ids contain no ':'.
const PREFIX = 'room:';

export function roomKey(room: string): string {
  return PREFIX + room;
}

/** The rooms the client joined, by the names it used, sorted. */
export function joinedRooms(socket: DelivererSocket): string[] {
  return [...socket.rooms]
    .filter((key) => key.startsWith(PREFIX))
    .map((key) => key.slice(PREFIX.length))
    .sort();
}
