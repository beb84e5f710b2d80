import { flushPromises } from '@vue/test-utils';
import { beforeEach, describe, expect, it } from 'vitest';
import { INVALID_ROOM_MESSAGE } from '../src/room-name';
import { createAppStore } from '../src/store';
import { ROOMS_STORAGE_KEY } from '../src/store/persistence';
import { JOIN_OFFLINE_MESSAGE, JOIN_TIMEOUT_MESSAGE } from '../src/store/room-actions';
import { currentMessages, onlineCount } from '../src/store/selectors';
import { LOBBY } from '../src/store/state';
import {
  CLIENT_MSG_ID,
  OWN_SOCKET_ID,
  connectedStore,
  deferred,
  fakeTransport,
  makeMember,
  makeMessage,
  memoryStorage,
  okAck,
  presenceAck,
  roomAck,
  storeWithRooms,
} from './helpers';

const tooManyRooms = {
  status: 'error',
  code: 'too_many_rooms',
  message: 'a socket may be in at most 2 rooms',
} as const;

/** A transport whose join_room and list_presence succeed, with just us in every room. */
function roomTransport() {
  const transport = fakeTransport();
  transport.joinRoom.mockImplementation(async ({ room }) => roomAck(room));
  transport.leaveRoom.mockImplementation(async ({ room }) => roomAck(room, []));
  transport.listPresence.mockImplementation(async ({ room }) =>
    presenceAck(room, [makeMember({ socketId: OWN_SOCKET_ID })]),
  );
  return transport;
}

beforeEach(() => localStorage.clear());

describe('joining a room', () => {
  it('asks the server, then lists the room after the lobby, shows it and fetches its presence', async () => {
    const transport = roomTransport();
    const ack = deferred<ReturnType<typeof roomAck>>();
    transport.joinRoom.mockReturnValueOnce(ack.promise);
    const store = connectedStore(transport);

    const joined = store.dispatch('joinRoom', '  general ');
    expect(transport.joinRoom).toHaveBeenCalledWith({ room: 'general' });
    expect(store.state.rooms).toMatchObject({ joining: true, joined: [], current: LOBBY });

    ack.resolve(roomAck('general'));
    await expect(joined).resolves.toBe(true);
    expect(store.state.rooms).toMatchObject({
      joining: false,
      joined: ['general'],
      current: 'general',
      error: null,
    });
    await flushPromises();
    expect(transport.listPresence).toHaveBeenCalledWith({ room: 'general' });
    expect(onlineCount(store.state, 'general')).toBe(1);
  });

  it.each(['', 'two words', 'x'.repeat(65), 'café', 'a:b', 'a/b'])(
    'refuses %j without asking the server',
    async (name) => {
      const transport = roomTransport();
      const store = connectedStore(transport);

      await expect(store.dispatch('joinRoom', name)).resolves.toBe(false);

      expect(transport.joinRoom).not.toHaveBeenCalled();
      expect(store.state.rooms.error).toBe(INVALID_ROOM_MESSAGE);
    },
  );

  it('accepts every character the contract allows', async () => {
    const store = connectedStore(roomTransport());

    await expect(store.dispatch('joinRoom', 'Room_1.two-3')).resolves.toBe(true);
    await expect(store.dispatch('joinRoom', 'x'.repeat(64))).resolves.toBe(true);
  });

  it("shows the server's refusal, e.g. too_many_rooms, and stays where it was", async () => {
    const transport = roomTransport();
    transport.joinRoom.mockResolvedValueOnce(tooManyRooms);
    const store = connectedStore(transport);

    await expect(store.dispatch('joinRoom', 'third')).resolves.toBe(false);

    expect(store.state.rooms).toMatchObject({
      joined: [],
      current: LOBBY,
      joining: false,
      error: 'a socket may be in at most 2 rooms',
    });
    expect(transport.listPresence).not.toHaveBeenCalled();
  });

  it('explains a join the server never confirmed, and clears the error on the next attempt', async () => {
    const transport = roomTransport();
    transport.joinRoom.mockRejectedValueOnce(new Error('operation has timed out'));
    const store = connectedStore(transport);

    await store.dispatch('joinRoom', 'general');
    expect(store.state.rooms.error).toBe(JOIN_TIMEOUT_MESSAGE);

    await store.dispatch('joinRoom', 'general');
    expect(store.state.rooms).toMatchObject({ error: null, joined: ['general'] });
  });

  it('does not join while offline, nor twice at once', async () => {
    const transport = roomTransport();
    const ack = deferred<ReturnType<typeof roomAck>>();
    transport.joinRoom.mockReturnValueOnce(ack.promise);
    const store = connectedStore(transport);

    const first = store.dispatch('joinRoom', 'one');
    await expect(store.dispatch('joinRoom', 'two')).resolves.toBe(false);
    ack.resolve(roomAck('one'));
    await first;
    expect(transport.joinRoom).toHaveBeenCalledOnce();

    store.commit('disconnected', false);
    await expect(store.dispatch('joinRoom', 'three')).resolves.toBe(false);
    expect(store.state.rooms.error).toBe(JOIN_OFFLINE_MESSAGE);
    expect(transport.joinRoom).toHaveBeenCalledOnce();
  });

  it('asks the server again for a room already listed, and lists it once', async () => {
    const transport = roomTransport();
    const store = storeWithRooms(['general'], LOBBY, transport);

    await expect(store.dispatch('joinRoom', 'general')).resolves.toBe(true);

    expect(transport.joinRoom).toHaveBeenCalledWith({ room: 'general' });
    expect(store.state.rooms).toMatchObject({ joined: ['general'], current: 'general' });
  });

  it('waits as told and tries again when the server says rate_limited', async () => {
    const transport = roomTransport();
    transport.joinRoom.mockResolvedValueOnce({
      status: 'error',
      code: 'rate_limited',
      message: 'too many events; retry in 1 ms',
      retryAfterMs: 1,
    });
    const store = connectedStore(transport);

    await expect(store.dispatch('joinRoom', 'general')).resolves.toBe(true);

    expect(transport.joinRoom).toHaveBeenCalledTimes(2);
    expect(store.state.rooms.joined).toEqual(['general']);
  });
});

describe('leaving and switching rooms', () => {
  it('forgets a room at once, falls back to the lobby, and tells the server', async () => {
    const transport = roomTransport();
    const store = storeWithRooms(['one', 'two'], 'two', transport);
    await store.dispatch('resumeRooms', true);
    store.commit('broadcastReceived', makeMessage({ room: 'one' }));

    await store.dispatch('leaveRoom', 'two');
    expect(transport.leaveRoom).toHaveBeenCalledWith({ room: 'two' });
    expect(store.state.rooms).toMatchObject({ joined: ['one'], current: LOBBY });
    expect(store.state.presence.two).toBeUndefined();

    await store.dispatch('leaveRoom', 'one');
    expect(store.state.rooms).toMatchObject({ joined: [], current: LOBBY, unread: {} });
  });

  it('keeps the room forgotten when the server never confirms the leave', async () => {
    const transport = roomTransport();
    transport.leaveRoom.mockRejectedValue(new Error('operation has timed out'));
    const store = storeWithRooms(['one'], 'one', transport);

    await store.dispatch('leaveRoom', 'one');

    expect(store.state.rooms).toMatchObject({ joined: [], current: LOBBY, error: null });
  });

  it('cannot leave the lobby, nor switch to a room it is not in', async () => {
    const transport = roomTransport();
    const store = storeWithRooms(['one'], 'one', transport);

    await store.dispatch('leaveRoom', LOBBY);
    await store.dispatch('switchRoom', 'elsewhere');

    expect(transport.leaveRoom).not.toHaveBeenCalled();
    expect(store.state.rooms).toMatchObject({ joined: ['one'], current: 'one' });

    await store.dispatch('switchRoom', LOBBY);
    expect(store.state.rooms.current).toBe(LOBBY);
  });
});

describe('persisted rooms', () => {
  it('go to localStorage, the current room included, and come back in a new store', async () => {
    const store = createAppStore(roomTransport());
    await store.dispatch('joinRoom', 'one');
    await store.dispatch('joinRoom', 'two');
    await store.dispatch('switchRoom', 'one');

    expect(JSON.parse(localStorage.getItem(ROOMS_STORAGE_KEY) ?? 'null')).toEqual({
      joined: ['one', 'two'],
      current: 'one',
    });
    const reloaded = createAppStore(fakeTransport());
    expect(reloaded.state.rooms).toMatchObject({ joined: ['one', 'two'], current: 'one' });

    await store.dispatch('leaveRoom', 'one');
    expect(createAppStore(fakeTransport()).state.rooms).toMatchObject({
      joined: ['two'],
      current: LOBBY,
    });
  });

  it.each([
    ['not JSON', '{oops', [], LOBBY],
    ['not an object', '42', [], LOBBY],
    [
      'invalid names and duplicates',
      JSON.stringify({ joined: ['ok', 'not ok', 'ok', 7, 'x'.repeat(65)], current: 'ok' }),
      ['ok'],
      'ok',
    ],
    ['a current room not joined', JSON.stringify({ joined: ['a'], current: 'b' }), ['a'], LOBBY],
  ])('restore only what is valid: %s', (_case, stored, joined, current) => {
    const storage = memoryStorage({ [ROOMS_STORAGE_KEY]: stored });

    expect(createAppStore(fakeTransport(), storage).state.rooms).toMatchObject({
      joined,
      current,
    });
  });

  it('live in memory when the browser refuses storage', async () => {
    const refusing = memoryStorage();
    refusing.getItem = () => {
      throw new DOMException('denied', 'SecurityError');
    };
    refusing.setItem = () => {
      throw new DOMException('full', 'QuotaExceededError');
    };
    const store = createAppStore(roomTransport(), refusing);

    await expect(store.dispatch('joinRoom', 'general')).resolves.toBe(true);
    expect(store.state.rooms.joined).toEqual(['general']);
  });
});

describe('unread counts', () => {
  it('count messages of the rooms not on screen, the lobby included, until switched to', async () => {
    const store = storeWithRooms(['one', 'two'], 'one');

    store.commit('broadcastReceived', makeMessage());
    const lobbyMessage = makeMessage();
    store.commit('broadcastReceived', lobbyMessage);
    store.commit('broadcastReceived', { ...lobbyMessage });
    store.commit('broadcastReceived', makeMessage({ room: 'two' }));
    store.commit('broadcastReceived', makeMessage({ room: 'one' }));
    store.commit('broadcastReceived', makeMessage({ room: 'left-already' }));
    expect(store.state.rooms.unread).toEqual({ [LOBBY]: 2, two: 1 });

    await store.dispatch('switchRoom', 'two');
    expect(store.state.rooms.unread).toEqual({ [LOBBY]: 2 });
    store.commit('broadcastReceived', makeMessage({ room: 'one' }));
    expect(store.state.rooms.unread).toEqual({ [LOBBY]: 2, one: 1 });

    await store.dispatch('switchRoom', LOBBY);
    expect(store.state.rooms.unread).toEqual({ one: 1 });
  });

  it('never count your own messages, even in a room you switched away from', () => {
    const store = storeWithRooms(['one'], LOBBY);
    store.commit('broadcastReceived', makeMessage({ room: 'one', sender: OWN_SOCKET_ID }));
    expect(store.state.rooms.unread).toEqual({});
  });
});

describe('messages and sends by room', () => {
  it('shows the messages of the current room; the lobby has those without a room', async () => {
    const store = storeWithRooms(['one'], LOBBY);
    const inLobby = makeMessage();
    const inOne = makeMessage({ room: 'one' });
    for (const message of [inLobby, inOne, makeMessage({ room: 'other' })]) {
      store.commit('broadcastReceived', message);
    }

    expect(currentMessages(store.state)).toEqual([inLobby]);
    await store.dispatch('switchRoom', 'one');
    expect(currentMessages(store.state)).toEqual([inOne]);
  });

  it('sends to the current room, and without a room field from the lobby', async () => {
    const transport = roomTransport();
    transport.send.mockResolvedValue(okAck('m-1'));
    const store = storeWithRooms(['one'], 'one', transport);

    await store.dispatch('send', 'to one');
    await store.dispatch('switchRoom', LOBBY);
    await store.dispatch('send', 'to everyone');

    const [toOne, toLobby] = transport.send.mock.calls.map(([payload]) => payload);
    expect(toOne).toEqual({
      text: 'to one',
      clientMsgId: expect.stringMatching(CLIENT_MSG_ID),
      room: 'one',
    });
    expect(toLobby).not.toHaveProperty('room');
  });

  it('re-sends an unconfirmed message under its id only to the same room', async () => {
    const transport = roomTransport();
    transport.send.mockRejectedValueOnce(new Error('operation has timed out'));
    transport.send.mockResolvedValue(okAck('m-1'));
    const store = storeWithRooms(['one', 'two'], 'one', transport);

    await store.dispatch('send', 'hello');
    expect(store.state.lastSend).toMatchObject({ unconfirmed: { text: 'hello', room: 'one' } });
    await store.dispatch('switchRoom', 'two');
    await store.dispatch('send', 'hello');

    const [first, elsewhere] = transport.send.mock.calls.map(([payload]) => payload);
    // The server would take the same id as a repeat and never deliver the message to `two`.
    expect(elsewhere?.clientMsgId).not.toBe(first?.clientMsgId);
    expect(elsewhere?.room).toBe('two');
  });
});

describe('rooms across sessions', () => {
  it('joins every persisted room again on a new session, then lists them', async () => {
    const transport = roomTransport();
    const store = storeWithRooms(['one', 'two'], 'two', transport);

    await store.dispatch('resumeRooms', false);

    expect(transport.joinRoom.mock.calls.map(([payload]) => payload)).toEqual([
      { room: 'one' },
      { room: 'two' },
    ]);
    expect(transport.listPresence.mock.calls.map(([payload]) => payload)).toEqual([
      { room: 'one' },
      { room: 'two' },
    ]);
    // list_presence is for members only, so every list waits for the joins.
    const lastJoin = Math.max(...transport.joinRoom.mock.invocationCallOrder);
    expect(Math.min(...transport.listPresence.mock.invocationCallOrder)).toBeGreaterThan(lastJoin);
    expect(store.state.rooms).toMatchObject({ joined: ['one', 'two'], current: 'two' });
  });

  it('only lists the rooms again on a recovered session, which kept them', async () => {
    const transport = roomTransport();
    const store = storeWithRooms(['one', 'two'], LOBBY, transport);

    await store.dispatch('resumeRooms', true);

    expect(transport.joinRoom).not.toHaveBeenCalled();
    expect(transport.listPresence).toHaveBeenCalledTimes(2);
    expect(onlineCount(store.state, 'two')).toBe(1);
  });

  it('drops a persisted room the server will not take back, and says why', async () => {
    const transport = roomTransport();
    transport.joinRoom.mockImplementation(async ({ room }) =>
      room === 'two' ? tooManyRooms : roomAck(room),
    );
    const store = storeWithRooms(['one', 'two'], 'two', transport);

    await store.dispatch('resumeRooms', false);

    expect(store.state.rooms).toMatchObject({
      joined: ['one'],
      current: LOBBY,
      error: 'Could not rejoin two: a socket may be in at most 2 rooms',
    });
    expect(transport.listPresence.mock.calls).toEqual([[{ room: 'one' }]]);
  });

  it('keeps a room whose re-join failed for a passing reason, and says so', async () => {
    const transport = roomTransport();
    transport.joinRoom.mockResolvedValue({
      status: 'error',
      code: 'unavailable',
      message: 'Redis did not answer in time',
    });
    const store = storeWithRooms(['one'], 'one', transport);

    await store.dispatch('resumeRooms', false);

    expect(store.state.rooms).toMatchObject({
      joined: ['one'],
      current: 'one',
      error: 'Could not rejoin one: Redis did not answer in time',
    });
  });

  it('keeps a room whose re-join got no answer', async () => {
    const transport = roomTransport();
    transport.joinRoom.mockRejectedValue(new Error('operation has timed out'));
    const store = storeWithRooms(['one'], 'one', transport);

    await store.dispatch('resumeRooms', false);

    expect(store.state.rooms).toMatchObject({ joined: ['one'], current: 'one', error: null });
  });

  it('does nothing in the lobby alone', async () => {
    const transport = roomTransport();
    const store = connectedStore(transport);

    await store.dispatch('resumeRooms', false);

    expect(transport.joinRoom).not.toHaveBeenCalled();
    expect(transport.listPresence).not.toHaveBeenCalled();
  });
});
