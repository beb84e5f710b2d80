import type { PresenceMember } from '@contract';
import { flushPromises } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import type { ListPresenceAck } from '../src/realtime/transport';
import { onlineCount, onlineMembers, ownPresenceId } from '../src/store/selectors';
import { LOBBY } from '../src/store/state';
import {
  OTHER_SOCKET_ID,
  OWN_SOCKET_ID,
  deferred,
  fakeTransport,
  listRooms,
  makeMember,
  presenceAck,
  presenceEvent,
  reconnect,
  storeWithRooms,
} from './helpers';

const THIRD_SOCKET_ID = 'thirdSocketId0000003';
const me = makeMember({ socketId: OWN_SOCKET_ID, name: 'Me', node: 'node-a' });
const ada = makeMember({ socketId: OTHER_SOCKET_ID, name: 'Ada', node: 'node-b' });
const bob = makeMember({ socketId: THIRD_SOCKET_ID, name: 'Bob', node: 'node-a' });

const unavailable = {
  status: 'error',
  code: 'unavailable',
  message: 'presence is unavailable right now',
} as const;

function setup(rooms = ['general']) {
  const transport = fakeTransport();
  const store = storeWithRooms(rooms, rooms[0], transport);
  const ids = (room = 'general') => onlineMembers(store.state, room)?.map((m) => m.socketId);
  return { transport, store, ids };
}

/** Each list_presence waits for the test to answer it. */
function answerByHand(transport: ReturnType<typeof fakeTransport>) {
  const answers: ReturnType<typeof deferred<ListPresenceAck>>[] = [];
  transport.listPresence.mockImplementation(() => {
    const answer = deferred<ListPresenceAck>();
    answers.push(answer);
    return answer.promise;
  });
  return answers;
}

describe('presence lists', () => {
  it('are unknown before the first list, and never exist for the lobby', () => {
    const { store } = setup();

    expect(onlineMembers(store.state, 'general')).toBeNull();
    expect(onlineCount(store.state, 'general')).toBeNull();
    expect(onlineCount(store.state, LOBBY)).toBeNull();
  });

  it('hold the listed members, ours first and the rest by name, with the count', async () => {
    const { transport, store } = setup();

    await listRooms(store, transport, { general: [bob, ada, me] });

    expect(onlineMembers(store.state, 'general')).toEqual([
      { ...me, own: true },
      { ...ada, own: false },
      { ...bob, own: false },
    ]);
    expect(onlineCount(store.state, 'general')).toBe(3);
  });

  it('apply join, update and leave by socket id, so repeats change nothing', async () => {
    const { transport, store, ids } = setup();
    await listRooms(store, transport, { general: [me] });
    const receive = (type: 'join' | 'leave' | 'update', member: PresenceMember) =>
      store.dispatch('presenceReceived', presenceEvent('general', type, member));

    await receive('join', ada);
    await receive('join', ada);
    expect(ids()).toEqual([OWN_SOCKET_ID, OTHER_SOCKET_ID]);

    await receive('update', { ...ada, name: 'Ada L.' });
    expect(onlineMembers(store.state, 'general')?.[1]?.name).toBe('Ada L.');

    await receive('leave', ada);
    await receive('leave', ada);
    expect(ids()).toEqual([OWN_SOCKET_ID]);

    // An update for somebody we never saw join still tells us they are there.
    await receive('update', bob);
    expect(ids()).toEqual([OWN_SOCKET_ID, THIRD_SOCKET_ID]);
  });

  it('ignore events for rooms not joined, or not listed yet', async () => {
    const { store } = setup();

    await store.dispatch('presenceReceived', presenceEvent('elsewhere', 'join', ada));
    await store.dispatch('presenceReceived', presenceEvent('general', 'join', ada));

    expect(store.state.presence).toEqual({});
  });

  it('are dropped when the room is left', async () => {
    const { transport, store } = setup();
    transport.leaveRoom.mockResolvedValue({ status: 'ok', room: 'general', rooms: [] });
    await listRooms(store, transport, { general: [me, ada] });

    await store.dispatch('leaveRoom', 'general');
    await store.dispatch('presenceReceived', presenceEvent('general', 'join', bob));

    expect(store.state.presence).toEqual({});
  });
});

describe('presence events while a list is in flight', () => {
  it('a leave is not undone by a list read before it', async () => {
    const { transport, store, ids } = setup();
    const answers = answerByHand(transport);

    const listed = store.dispatch('resumeRooms', true);
    await store.dispatch('presenceReceived', presenceEvent('general', 'leave', ada));
    await store.dispatch('presenceReceived', presenceEvent('general', 'join', bob));
    answers[0]?.resolve(presenceAck('general', [me, ada]));
    await listed;

    expect(ids()).toEqual([OWN_SOCKET_ID, THIRD_SOCKET_ID]);
    expect(store.state.presence.general?.buffered).toEqual([]);
  });

  it('an answer older than one already applied is ignored', async () => {
    const { transport, store, ids } = setup();
    const answers = answerByHand(transport);

    void store.dispatch('resumeRooms', true);
    void store.dispatch('resumeRooms', true);
    answers[1]?.resolve(presenceAck('general', [me]));
    await flushPromises();
    answers[0]?.resolve(presenceAck('general', [me, ada, bob]));
    await flushPromises();

    expect(ids()).toEqual([OWN_SOCKET_ID]);
  });

  it('events wait for every answer that may predate them', async () => {
    const { transport, store, ids } = setup();
    const answers = answerByHand(transport);

    void store.dispatch('resumeRooms', true);
    await store.dispatch('presenceReceived', presenceEvent('general', 'join', ada));
    void store.dispatch('resumeRooms', true);
    await store.dispatch('presenceReceived', presenceEvent('general', 'leave', me));

    // The first list knew neither event; both are replayed on top of it.
    answers[0]?.resolve(presenceAck('general', [me]));
    await flushPromises();
    expect(ids()).toEqual([OTHER_SOCKET_ID]);

    // The second was asked after the join, so it has Ada; it may still predate the leave.
    answers[1]?.resolve(presenceAck('general', [me, ada]));
    await flushPromises();
    expect(ids()).toEqual([OTHER_SOCKET_ID]);
    expect(store.state.presence.general?.buffered).toEqual([]);
  });

  it('events show at once, before the answer arrives', async () => {
    const { transport, store } = setup();
    await listRooms(store, transport, { general: [me] });
    answerByHand(transport);

    void store.dispatch('resumeRooms', true);
    await store.dispatch('presenceReceived', presenceEvent('general', 'join', ada));

    expect(onlineCount(store.state, 'general')).toBe(2);
  });
});

describe('presence while Redis is unavailable', () => {
  it('keeps the last list quietly, and lists again on the next event', async () => {
    const { transport, store, ids } = setup();
    await listRooms(store, transport, { general: [me, ada] });
    transport.listPresence.mockResolvedValueOnce(unavailable);

    await store.dispatch('resumeRooms', true);
    expect(ids()).toEqual([OWN_SOCKET_ID, OTHER_SOCKET_ID]);
    expect(store.state.presence.general?.stale).toBe(true);
    expect(transport.listPresence).toHaveBeenCalledTimes(2);

    transport.listPresence.mockResolvedValueOnce(presenceAck('general', [me, ada, bob]));
    await store.dispatch('presenceReceived', presenceEvent('general', 'join', bob));
    expect(transport.listPresence).toHaveBeenCalledTimes(3);
    expect(store.state.presence.general?.stale).toBe(false);
    expect(ids()).toEqual([OWN_SOCKET_ID, OTHER_SOCKET_ID, THIRD_SOCKET_ID]);

    // A healthy list is not asked for again on every event.
    await store.dispatch('presenceReceived', presenceEvent('general', 'leave', bob));
    expect(transport.listPresence).toHaveBeenCalledTimes(3);
  });

  it('treats a list that never answered like one refused', async () => {
    const { transport, store } = setup();
    transport.listPresence.mockRejectedValue(new Error('operation has timed out'));

    await store.dispatch('resumeRooms', true);

    expect(store.state.presence.general).toMatchObject({ loaded: false, stale: true });
    expect(onlineMembers(store.state, 'general')).toBeNull();
  });
});

describe('our own entry', () => {
  it('follows the socket id of the current session', async () => {
    const { transport, store } = setup();
    const newId = 'newSocketId000000003';
    const newMe = { ...me, socketId: newId };
    await listRooms(store, transport, { general: [ada, me] });
    const own = () => onlineMembers(store.state, 'general')?.find((m) => m.own)?.socketId;
    expect(own()).toBe(OWN_SOCKET_ID);

    // While the connection is down the last id is still ours.
    store.commit('disconnected', true);
    expect(ownPresenceId(store.state)).toBe(OWN_SOCKET_ID);

    reconnect(store, { recovered: false, socketId: newId });
    await listRooms(store, transport, { general: [ada, me, newMe] });
    expect(own()).toBe(newId);
    expect(onlineMembers(store.state, 'general')?.filter((m) => m.own)).toHaveLength(1);
  });
});
