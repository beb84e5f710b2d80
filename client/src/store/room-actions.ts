import type { Ack, ErrorCode, PresenceEvent } from '@contract';
import type { ActionContext } from 'vuex';
import type { Transport } from '../realtime/transport';
import { INVALID_ROOM_MESSAGE, isRoomName } from '../room-name';
import { typedCommit } from './mutations';
import type { State } from './state';

export const JOIN_TIMEOUT_MESSAGE =
  'The server did not confirm joining the room. Please try again.';
export const JOIN_OFFLINE_MESSAGE = 'You are offline, so the room was not joined.';

/** Tries of one room request refused as `rate_limited`, e.g. while re-joining many rooms. */
export const RATE_LIMITED_ATTEMPTS = 3;

/** Refusals worth another try later: the room is kept, and joining it from the form retries. */
const TRANSIENT_CODES: ReadonlySet<ErrorCode> = new Set([
  'rate_limited',
  'unavailable',
  'internal_error',
]);

type Context = ActionContext<State, State>;

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A burst of joins and lists after a new session can exceed the event rate: wait as told. */
async function patiently<T extends object>(request: () => Promise<Ack<T>>): Promise<Ack<T>> {
  for (let attempt = 1; ; attempt += 1) {
    const ack = await request();
    if (ack.status === 'ok' || ack.code !== 'rate_limited' || attempt >= RATE_LIMITED_ATTEMPTS) {
      return ack;
    }
    await wait(ack.retryAfterMs ?? 1000);
  }
}

export function createRoomActions(transport: Transport) {
  /** Numbers every list_presence of this store, so a late answer is told from a newer one. */
  let lastListSeq = 0;

  async function listPresence({ state, commit }: Context, room: string): Promise<void> {
    if (!state.rooms.joined.includes(room)) return;
    const seq = ++lastListSeq;
    typedCommit(commit)('presenceListRequested', { room, seq });
    try {
      const ack = await patiently(() => transport.listPresence({ room }));
      if (ack.status === 'ok') {
        typedCommit(commit)('presenceListed', { room, seq, members: ack.members });
        return;
      }
    } catch {
      // Timed out or closed: handled like a refusal below.
    }
    typedCommit(commit)('presenceListFailed', { room, seq });
  }

  /** A new session starts in no room, whatever the previous one had joined. */
  async function rejoin({ commit }: Context, room: string): Promise<void> {
    try {
      const ack = await patiently(() => transport.joinRoom({ room }));
      if (ack.status === 'error') {
        const dropped = !TRANSIENT_CODES.has(ack.code);
        typedCommit(commit)('roomRejoinFailed', { room, message: ack.message, dropped });
      }
    } catch {
      // No verdict: keep the room; joining it again from the form retries.
    }
  }

  return {
    /**
     * Joins `name` and shows it; resolves false with the reason in `rooms.error`. Joining a
     * listed room asks the server too: it is idempotent there, and repairs a failed re-join.
     */
    async joinRoom(context: Context, name: string): Promise<boolean> {
      const { state } = context;
      const commit = typedCommit(context.commit);
      const room = name.trim();
      if (state.rooms.joining) return false;
      if (!isRoomName(room)) {
        commit('roomJoinFailed', INVALID_ROOM_MESSAGE);
        return false;
      }
      if (state.connection.status === 'offline') {
        commit('roomJoinFailed', JOIN_OFFLINE_MESSAGE);
        return false;
      }

      commit('roomJoinStarted');
      try {
        const ack = await patiently(() => transport.joinRoom({ room }));
        if (ack.status === 'error') {
          commit('roomJoinFailed', ack.message);
          return false;
        }
      } catch {
        commit('roomJoinFailed', JOIN_TIMEOUT_MESSAGE);
        return false;
      }
      commit('roomJoined', room);
      void listPresence(context, room);
      return true;
    },

    /**
     * Forgets the room at once. A leave the server never confirms costs little: a new session
     * drops the membership anyway, and messages for unlisted rooms are not counted.
     */
    async leaveRoom(context: Context, room: string): Promise<void> {
      if (!context.state.rooms.joined.includes(room)) return;
      typedCommit(context.commit)('roomLeft', room);
      try {
        await transport.leaveRoom({ room });
      } catch {
        // See above.
      }
    },

    switchRoom(context: Context, room: string): void {
      typedCommit(context.commit)('roomSwitched', room);
    },

    dismissRoomError(context: Context): void {
      typedCommit(context.commit)('roomErrorDismissed');
    },

    /**
     * After every `session` event. A new session (first connect, or the replica's state is gone)
     * is in no room, so every persisted room is joined again; either way the lists are fetched
     * again, as presence events may have been missed while disconnected.
     */
    async resumeRooms(context: Context, recovered: boolean): Promise<void> {
      const rooms = [...context.state.rooms.joined];
      if (!recovered) await Promise.all(rooms.map((room) => rejoin(context, room)));
      await Promise.all(rooms.map((room) => listPresence(context, room)));
    },

    /** Applies a presence event; a room whose last list failed is listed again. */
    presenceReceived(context: Context, event: PresenceEvent): Promise<void> | void {
      typedCommit(context.commit)('presenceEventReceived', event);
      const presence = context.state.presence[event.room];
      if (presence?.stale && presence.requested === presence.answered) {
        return listPresence(context, event.room);
      }
    },
  };
}
