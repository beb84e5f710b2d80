import { LOBBY, type RoomsState, type State } from '../state';

/** A message arrived for `room`; it counts as unread unless that room is on screen. */
export function countUnread(rooms: RoomsState, room: string) {
  if (room === rooms.current) return;
  // A late message for a room just left is not news to anyone.
  if (room !== LOBBY && !rooms.joined.includes(room)) return;
  rooms.unread[room] = (rooms.unread[room] ?? 0) + 1;
}

function forget(state: State, room: string) {
  const { rooms } = state;
  rooms.joined = rooms.joined.filter((joined) => joined !== room);
  if (rooms.current === room) rooms.current = LOBBY;
  delete rooms.unread[room];
  delete state.presence[room];
}

export const roomMutations = {
  roomJoinStarted(state: State) {
    state.rooms.joining = true;
    state.rooms.error = null;
  },

  /** The server confirmed the join: the room is listed and shown. */
  roomJoined(state: State, room: string) {
    const { rooms } = state;
    rooms.joining = false;
    if (!rooms.joined.includes(room)) rooms.joined.push(room);
    rooms.current = room;
    delete rooms.unread[room];
  },

  roomJoinFailed(state: State, message: string) {
    state.rooms.joining = false;
    state.rooms.error = message;
  },

  /** A persisted room the new session could not re-join; `dropped` unless the cause may pass. */
  roomRejoinFailed(state: State, failure: { room: string; message: string; dropped: boolean }) {
    if (failure.dropped) forget(state, failure.room);
    state.rooms.error = `Could not rejoin ${failure.room}: ${failure.message}`;
  },

  roomLeft(state: State, room: string) {
    forget(state, room);
  },

  roomSwitched(state: State, room: string) {
    const { rooms } = state;
    if (room !== LOBBY && !rooms.joined.includes(room)) return;
    rooms.current = room;
    delete rooms.unread[room];
  },

  roomErrorDismissed(state: State) {
    state.rooms.error = null;
  },
};
