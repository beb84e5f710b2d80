import { flushPromises } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import {
  ACK_TIMEOUT_MS,
  PROFILE_TIMEOUT_MS,
  ROOM_TIMEOUT_MS,
  SEND_RETRIES,
  SOCKET_OPTIONS,
  createConnection,
} from '../src/realtime/connection';
import { ConnectionClosedError } from '../src/realtime/transport';
import { createAppStore } from '../src/store';
import { SEND_CLOSED_MESSAGE, typedDispatch } from '../src/store/actions';
import { typedCommit } from '../src/store/mutations';
import { ROOMS_STORAGE_KEY } from '../src/store/persistence';
import { onlineMembers } from '../src/store/selectors';
import { createFakeSocket } from './fake-socket';
import {
  CLIENT_MSG_ID,
  OTHER_SOCKET_ID,
  OWN_SOCKET_ID,
  deferred,
  makeMember,
  makeMessage,
  memoryStorage,
  nameAck,
  okAck,
  presenceAck,
  presenceEvent,
  roomAck,
} from './helpers';

function setup(storage = memoryStorage()) {
  const { fake, socket } = createFakeSocket();
  const connection = createConnection(socket);
  const store = createAppStore(connection, storage);
  connection.start(typedCommit(store.commit), typedDispatch(store.dispatch));
  return { fake, connection, store };
}

describe('connection', () => {
  it('connects only after its listeners are bound', () => {
    const { fake } = setup();
    expect(fake.connect).toHaveBeenCalledOnce();
    expect(fake.listenerCount() + fake.io.listenerCount()).toBe(9);
  });

  it('turns socket lifecycle events into connection state', () => {
    const { fake, store } = setup();

    fake.id = OWN_SOCKET_ID;
    fake.fire('connect');
    expect(store.state.connection).toMatchObject({ status: 'connected', socketId: OWN_SOCKET_ID });

    fake.fire('disconnect', 'transport close');
    expect(store.state.connection.status).toBe('reconnecting');

    fake.io.fire('reconnect_attempt', 2);
    expect(store.state.connection.reconnectAttempt).toBe(2);

    fake.io.fire('reconnect', 2);
    fake.id = 'newSocketId000000003';
    fake.fire('connect');
    expect(store.state.connection).toMatchObject({
      status: 'connected',
      socketId: 'newSocketId000000003',
      reconnectAttempt: 0,
    });
  });

  it('goes offline when socket.io gives up, e.g. the server refused the connection', () => {
    const { fake, store } = setup();

    fake.active = false;
    fake.fire('connect_error', new Error('unauthorized'));

    expect(store.state.connection).toMatchObject({ status: 'offline', lastError: 'unauthorized' });
  });

  it('takes the serving node from the session event', () => {
    const { fake, store } = setup();

    fake.fire('session', { node: 'node-b', recovered: false });

    expect(store.state.connection.node).toBe('node-b');
  });

  it('stores broadcasts and error events', () => {
    const { fake, store } = setup();
    const message = makeMessage();
    const error = { status: 'error', code: 'invalid_payload', message: 'bad payload' };

    fake.fire('broadcast_event', message);
    fake.fire('error_event', error);

    expect(store.state.messages).toEqual([message]);
    expect(store.state.serverError).toEqual(error);
  });

  it("relies on socket.io's retries and ack timeout for every emit with an ack", () => {
    expect(SOCKET_OPTIONS).toMatchObject({ retries: SEND_RETRIES, ackTimeout: ACK_TIMEOUT_MS });
    expect(SEND_RETRIES).toBeGreaterThan(0);
  });

  it('sends input_event with its clientMsgId and no per-call timeout, so socket.io queues it', async () => {
    const { fake, connection } = setup();
    fake.emitWithAck.mockResolvedValue(okAck('m-1'));
    const payload = { text: 'hi', clientMsgId: 'c0ffee00-0000-4000-8000-000000000001' };

    await expect(connection.send(payload)).resolves.toEqual(okAck('m-1'));
    expect(fake.emitWithAck).toHaveBeenCalledWith('input_event', payload);
    expect(fake.timeout).not.toHaveBeenCalled();
  });

  it('gives each message dispatched through the store a new clientMsgId', async () => {
    const { fake, store } = setup();
    fake.id = OWN_SOCKET_ID;
    fake.fire('connect');
    fake.emitWithAck.mockResolvedValueOnce(okAck('m-1')).mockResolvedValueOnce(okAck('m-2'));

    await store.dispatch('send', 'same');
    await store.dispatch('send', 'same');

    const payloads = fake.emitWithAck.mock.calls.map(([, payload]) => payload);
    expect(payloads).toEqual([
      { text: 'same', clientMsgId: expect.stringMatching(CLIENT_MSG_ID) },
      { text: 'same', clientMsgId: expect.stringMatching(CLIENT_MSG_ID) },
    ]);
    expect(payloads[0].clientMsgId).not.toBe(payloads[1].clientMsgId);
  });

  it('keeps a send made while reconnecting pending until the ack after the reconnect', async () => {
    const { fake, store } = setup();
    const ack = deferred<ReturnType<typeof okAck>>();
    fake.emitWithAck.mockReturnValue(ack.promise);
    fake.id = OWN_SOCKET_ID;
    fake.fire('connect');
    fake.fire('disconnect', 'transport close');

    const sent = store.dispatch('send', 'while away');
    expect(fake.emitWithAck).toHaveBeenCalledOnce();
    expect(store.state.lastSend.status).toBe('pending');

    fake.fire('connect');
    fake.fire('session', { node: 'node-a', recovered: true });
    expect(store.state.lastSend.status).toBe('pending');
    ack.resolve(okAck('m-1'));

    await expect(sent).resolves.toBe(true);
    expect(store.state.lastSend).toEqual({ status: 'ok', id: 'm-1' });
  });

  it('fails a waiting send when socket.io stops reconnecting', async () => {
    const { fake, store } = setup();
    fake.emitWithAck.mockReturnValue(new Promise(() => {}));
    fake.id = OWN_SOCKET_ID;
    fake.fire('connect');

    const sent = store.dispatch('send', 'hello');
    fake.active = false;
    fake.fire('disconnect', 'io server disconnect');

    await expect(sent).resolves.toBe(false);
    expect(store.state.lastSend).toMatchObject({ status: 'error', message: SEND_CLOSED_MESSAGE });
  });

  it('fails waiting requests on stop, and refuses new ones once the socket is inactive', async () => {
    const { fake, connection } = setup();
    fake.emitWithAck.mockReturnValue(new Promise(() => {}));
    const payload = { text: 'hi', clientMsgId: 'c0ffee00-0000-4000-8000-000000000001' };

    const waiting = connection.send(payload);
    connection.stop();
    await expect(waiting).rejects.toBeInstanceOf(ConnectionClosedError);

    fake.active = false;
    await expect(connection.setProfile({ name: 'Ada' })).rejects.toBeInstanceOf(
      ConnectionClosedError,
    );
    expect(fake.emitWithAck).toHaveBeenCalledOnce();
  });

  it('sends set_profile with an ack and a timeout', async () => {
    const { fake, connection } = setup();
    fake.emitWithAck.mockResolvedValue(nameAck('Ada'));

    await expect(connection.setProfile({ name: 'Ada' })).resolves.toEqual(nameAck('Ada'));
    expect(fake.timeout).toHaveBeenCalledWith(PROFILE_TIMEOUT_MS);
    expect(fake.emitWithAck).toHaveBeenCalledWith('set_profile', { name: 'Ada' });
  });

  it('reports the session outcome of a reconnect, never of the first connect', () => {
    const { fake, store } = setup();
    fake.id = OWN_SOCKET_ID;

    fake.fire('connect');
    fake.fire('session', { node: 'node-a', recovered: false });
    expect(store.state.connection.sessionOutcome).toBeNull();

    fake.fire('disconnect', 'transport close');
    fake.fire('connect');
    fake.fire('session', { node: 'node-b', recovered: true, name: 'Ada' });
    expect(store.state.connection).toMatchObject({ sessionOutcome: 'recovered', node: 'node-b' });
    expect(store.state.profile.name).toBe('Ada');

    fake.fire('disconnect', 'transport close');
    expect(store.state.connection.sessionOutcome).toBeNull();
    fake.id = 'newSocketId000000003';
    fake.fire('connect');
    fake.fire('session', { node: 'node-a', recovered: false });
    expect(store.state.connection.sessionOutcome).toBe('new');
    expect(store.state.profile.name).toBeNull();
  });

  it('sends join_room, leave_room and list_presence with an ack and a timeout', async () => {
    const { fake, connection } = setup();
    fake.emitWithAck.mockResolvedValueOnce(roomAck('general'));
    fake.emitWithAck.mockResolvedValueOnce(roomAck('general', []));
    fake.emitWithAck.mockResolvedValueOnce(presenceAck('general', []));

    await expect(connection.joinRoom({ room: 'general' })).resolves.toEqual(roomAck('general'));
    await connection.leaveRoom({ room: 'general' });
    await connection.listPresence({ room: 'general' });

    expect(fake.timeout).toHaveBeenCalledTimes(3);
    expect(fake.timeout).toHaveBeenCalledWith(ROOM_TIMEOUT_MS);
    expect(fake.emitWithAck.mock.calls).toEqual([
      ['join_room', { room: 'general' }],
      ['leave_room', { room: 'general' }],
      ['list_presence', { room: 'general' }],
    ]);
  });

  it('joins the persisted rooms again when a session starts new, then lists them', async () => {
    const stored = JSON.stringify({ joined: ['general'], current: 'general' });
    const { fake, store } = setup(memoryStorage({ [ROOMS_STORAGE_KEY]: stored }));
    const own = makeMember({ socketId: OWN_SOCKET_ID });
    fake.emitWithAck.mockImplementation(async (event: string, { room }: { room: string }) =>
      event === 'join_room' ? roomAck(room) : presenceAck(room, [own]),
    );

    fake.id = OWN_SOCKET_ID;
    fake.fire('connect');
    fake.fire('session', { node: 'node-a', recovered: false });
    await flushPromises();

    expect(fake.emitWithAck.mock.calls).toEqual([
      ['join_room', { room: 'general' }],
      ['list_presence', { room: 'general' }],
    ]);
    expect(onlineMembers(store.state, 'general')).toEqual([{ ...own, own: true }]);

    fake.emitWithAck.mockClear();
    fake.fire('disconnect', 'transport close');
    fake.fire('connect');
    fake.fire('session', { node: 'node-b', recovered: true });
    await flushPromises();
    expect(fake.emitWithAck.mock.calls).toEqual([['list_presence', { room: 'general' }]]);
  });

  it('hands presence events to the store', async () => {
    const stored = JSON.stringify({ joined: ['general'], current: 'general' });
    const { fake, store } = setup(memoryStorage({ [ROOMS_STORAGE_KEY]: stored }));
    fake.emitWithAck.mockResolvedValue(presenceAck('general', []));
    fake.fire('session', { node: 'node-a', recovered: true });
    await flushPromises();

    fake.fire('presence_event', presenceEvent('general', 'join', makeMember()));

    expect(onlineMembers(store.state, 'general')?.map((m) => m.socketId)).toEqual([
      OTHER_SOCKET_ID,
    ]);
  });

  it('removes every listener and disconnects on stop', () => {
    const { fake, connection } = setup();

    connection.stop();

    expect(fake.listenerCount() + fake.io.listenerCount()).toBe(0);
    expect(fake.disconnect).toHaveBeenCalledOnce();
  });
});
