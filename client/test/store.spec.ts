import { describe, expect, it } from 'vitest';
import { createAppStore } from '../src/store';
import { newClientMsgId } from '../src/realtime/client-msg-id';
import { ConnectionClosedError } from '../src/realtime/transport';
import {
  OFFLINE_MESSAGE,
  PROFILE_OFFLINE_MESSAGE,
  PROFILE_TIMEOUT_MESSAGE,
  SEND_CLOSED_MESSAGE,
  SEND_TIMEOUT_MESSAGE,
} from '../src/store/actions';
import { canSaveProfile, canSend, isOwnMessage } from '../src/store/selectors';
import { MAX_MESSAGES } from '../src/store/state';
import {
  CLIENT_MSG_ID,
  OTHER_SOCKET_ID,
  OWN_SOCKET_ID,
  connectedStore,
  deferred,
  fakeTransport,
  invalidAck,
  makeMessage,
  nameAck,
  okAck,
  reconnect,
} from './helpers';

describe('messages', () => {
  it('keeps one copy of a message delivered twice, in arrival order', () => {
    const store = connectedStore();
    const first = makeMessage();
    const second = makeMessage();

    store.commit('broadcastReceived', first);
    store.commit('broadcastReceived', second);
    store.commit('broadcastReceived', { ...first });

    expect(store.state.messages.map((m) => m.id)).toEqual([first.id, second.id]);
  });

  it(`drops the oldest messages beyond ${MAX_MESSAGES}`, () => {
    const store = connectedStore();
    const messages = Array.from({ length: MAX_MESSAGES + 2 }, () => makeMessage());

    for (const message of messages) store.commit('broadcastReceived', message);

    expect(store.state.messages).toHaveLength(MAX_MESSAGES);
    expect(store.state.messages[0]?.id).toBe(messages[2]?.id);
    expect(store.state.messages.at(-1)?.id).toBe(messages.at(-1)?.id);
  });

  it('recognises own messages, including those sent before a reconnect', () => {
    const store = connectedStore();
    const beforeReconnect = makeMessage({ sender: OWN_SOCKET_ID });
    store.commit('disconnected', true);
    store.commit('connected', 'newSocketId000000003');
    const afterReconnect = makeMessage({ sender: 'newSocketId000000003' });
    const foreign = makeMessage({ sender: OTHER_SOCKET_ID });

    expect(isOwnMessage(store.state, beforeReconnect)).toBe(true);
    expect(isOwnMessage(store.state, afterReconnect)).toBe(true);
    expect(isOwnMessage(store.state, foreign)).toBe(false);
  });

  it('learns the serving node from the session event, not from messages, and forgets it on disconnect', () => {
    const store = connectedStore();

    store.commit('broadcastReceived', makeMessage({ sender: OWN_SOCKET_ID, node: 'node-b' }));
    expect(store.state.connection.node).toBeNull();

    store.commit('sessionStarted', { node: 'node-a', recovered: false });
    expect(store.state.connection.node).toBe('node-a');

    store.commit('disconnected', true);
    expect(store.state.connection.node).toBeNull();
  });

  it('keeps the last error_event until it is dismissed', async () => {
    const store = connectedStore();
    const error = { status: 'error', code: 'invalid_payload', message: 'bad' } as const;

    store.commit('serverErrorReceived', error);
    expect(store.state.serverError).toEqual(error);

    await store.dispatch('dismissServerError');
    expect(store.state.serverError).toBeNull();
  });
});

describe('connection status', () => {
  it('starts as connecting', () => {
    expect(createAppStore(fakeTransport()).state.connection.status).toBe('connecting');
  });

  it('goes connected → reconnecting → connected across a dropped transport', () => {
    const store = connectedStore();
    expect(store.state.connection).toMatchObject({ status: 'connected', socketId: OWN_SOCKET_ID });

    store.commit('disconnected', true);
    expect(store.state.connection).toMatchObject({ status: 'reconnecting', socketId: null });

    store.commit('reconnectAttempt', 3);
    expect(store.state.connection).toMatchObject({ status: 'reconnecting', reconnectAttempt: 3 });

    store.commit('reconnected');
    store.commit('connected', 'newSocketId000000003');
    expect(store.state.connection).toMatchObject({
      status: 'connected',
      socketId: 'newSocketId000000003',
      reconnectAttempt: 0,
    });
  });

  it('goes offline when socket.io will not retry by itself', () => {
    const store = connectedStore();
    store.commit('disconnected', false);
    expect(store.state.connection.status).toBe('offline');
  });

  it('keeps retrying states on a retriable connect_error but records why', () => {
    const store = createAppStore(fakeTransport());

    store.commit('connectFailed', { message: 'xhr poll error', willReconnect: true });
    expect(store.state.connection).toMatchObject({
      status: 'connecting',
      lastError: 'xhr poll error',
    });

    store.commit('connectFailed', { message: 'forbidden', willReconnect: false });
    expect(store.state.connection.status).toBe('offline');

    store.commit('connected', OWN_SOCKET_ID);
    expect(store.state.connection.lastError).toBeNull();
  });
});

describe('send action', () => {
  it('sends the trimmed text with a clientMsgId and records the acknowledged id', async () => {
    const transport = fakeTransport();
    const ack = deferred<ReturnType<typeof okAck>>();
    transport.send.mockReturnValue(ack.promise);
    const store = connectedStore(transport);

    const result = store.dispatch('send', '  hello  ');
    expect(transport.send).toHaveBeenCalledWith({
      text: 'hello',
      clientMsgId: expect.stringMatching(CLIENT_MSG_ID),
    });
    const { clientMsgId } = transport.send.mock.calls[0]![0];
    expect(store.state.lastSend).toEqual({ status: 'pending', text: 'hello', clientMsgId });

    ack.resolve(okAck('m-1'));
    await expect(result).resolves.toBe(true);
    expect(store.state.lastSend).toEqual({ status: 'ok', id: 'm-1' });
  });

  it('gives every new message its own clientMsgId, even with the same text', async () => {
    const transport = fakeTransport();
    transport.send.mockResolvedValueOnce(okAck('m-1')).mockResolvedValueOnce(okAck('m-2'));
    transport.send.mockResolvedValueOnce(okAck('m-3'));
    const store = connectedStore(transport);

    await store.dispatch('send', 'one');
    await store.dispatch('send', 'two');
    await store.dispatch('send', 'two');

    const ids = transport.send.mock.calls.map(([payload]) => payload.clientMsgId);
    expect(ids).toHaveLength(3);
    for (const id of ids) expect(id).toMatch(CLIENT_MSG_ID);
    expect(new Set(ids).size).toBe(3);
  });

  it("shows the server's message when the ack is an error, and forgets the id", async () => {
    const transport = fakeTransport();
    transport.send.mockResolvedValueOnce(invalidAck('text must be at most 2000 characters'));
    transport.send.mockResolvedValueOnce(okAck('m-1'));
    const store = connectedStore(transport);

    await expect(store.dispatch('send', 'hello')).resolves.toBe(false);
    expect(store.state.lastSend).toEqual({
      status: 'error',
      message: 'text must be at most 2000 characters',
      unconfirmed: null,
    });

    await store.dispatch('send', 'hello');
    const [first, second] = transport.send.mock.calls.map(([payload]) => payload.clientMsgId);
    expect(second).not.toBe(first);
  });

  it('reports a failure once socket.io has used up its retries, keeping the id for a re-send', async () => {
    const transport = fakeTransport();
    transport.send.mockRejectedValue(new Error('operation has timed out'));
    const store = connectedStore(transport);

    await expect(store.dispatch('send', 'hello')).resolves.toBe(false);
    const { clientMsgId } = transport.send.mock.calls[0]![0];
    expect(store.state.lastSend).toEqual({
      status: 'error',
      message: SEND_TIMEOUT_MESSAGE,
      unconfirmed: { text: 'hello', clientMsgId },
    });
  });

  it('re-sends an unconfirmed message under its old id, so the server can dedupe it', async () => {
    const transport = fakeTransport();
    transport.send.mockRejectedValueOnce(new Error('socket has been disconnected'));
    transport.send.mockResolvedValueOnce(okAck('m-1'));
    const store = connectedStore(transport);

    await store.dispatch('send', 'hello');
    await expect(store.dispatch('send', ' hello ')).resolves.toBe(true);

    const [first, retry] = transport.send.mock.calls.map(([payload]) => payload);
    expect(retry).toEqual(first);
  });

  it('uses a new id when the unconfirmed text was edited, which the server would drop', async () => {
    const transport = fakeTransport();
    transport.send.mockRejectedValueOnce(new Error('operation has timed out'));
    transport.send.mockResolvedValueOnce(okAck('m-1'));
    const store = connectedStore(transport);

    await store.dispatch('send', 'hello');
    await store.dispatch('send', 'hello!');

    const [first, edited] = transport.send.mock.calls.map(([payload]) => payload.clientMsgId);
    expect(edited).toMatch(CLIENT_MSG_ID);
    expect(edited).not.toBe(first);
  });

  it('says so when the connection closed for good while the message waited', async () => {
    const transport = fakeTransport();
    transport.send.mockRejectedValue(new ConnectionClosedError());
    const store = connectedStore(transport);

    await store.dispatch('send', 'hello');

    expect(store.state.lastSend).toMatchObject({ status: 'error', message: SEND_CLOSED_MESSAGE });
  });

  it('does not call the transport for blank text', async () => {
    const transport = fakeTransport();
    const store = connectedStore(transport);

    await expect(store.dispatch('send', '   ')).resolves.toBe(false);
    expect(transport.send).not.toHaveBeenCalled();
    expect(store.state.lastSend).toEqual({ status: 'idle' });
  });

  it('hands a message to the transport while reconnecting, where socket.io queues it', async () => {
    const transport = fakeTransport();
    const ack = deferred<ReturnType<typeof okAck>>();
    transport.send.mockReturnValue(ack.promise);
    const store = connectedStore(transport);
    store.commit('disconnected', true);

    const result = store.dispatch('send', 'hello');
    expect(transport.send).toHaveBeenCalledOnce();
    expect(store.state.lastSend.status).toBe('pending');

    store.commit('connected', OWN_SOCKET_ID);
    ack.resolve(okAck('m-1'));
    await expect(result).resolves.toBe(true);
  });

  it('refuses to send while offline, where nothing would ever deliver it', async () => {
    const transport = fakeTransport();
    const store = connectedStore(transport);
    store.commit('disconnected', false);

    await expect(store.dispatch('send', 'hello')).resolves.toBe(false);
    expect(transport.send).not.toHaveBeenCalled();
    expect(store.state.lastSend).toEqual({
      status: 'error',
      message: OFFLINE_MESSAGE,
      unconfirmed: null,
    });
  });

  it('ignores a second send while the first is in flight', async () => {
    const transport = fakeTransport();
    const ack = deferred<ReturnType<typeof okAck>>();
    transport.send.mockReturnValue(ack.promise);
    const store = connectedStore(transport);

    const first = store.dispatch('send', 'one');
    expect(canSend(store.state)).toBe(false);
    await expect(store.dispatch('send', 'two')).resolves.toBe(false);
    ack.resolve(okAck('m-1'));
    await first;

    expect(transport.send).toHaveBeenCalledTimes(1);
    expect(canSend(store.state)).toBe(true);
  });
});

describe('newClientMsgId', () => {
  it('uses crypto.randomUUID where the page is a secure context', () => {
    const id = newClientMsgId();
    expect(id).toMatch(/^[\da-f]{8}-[\da-f]{4}-4[\da-f]{3}-[89ab][\da-f]{3}-[\da-f]{12}$/);
    expect(id).toMatch(CLIENT_MSG_ID);
  });

  it('falls back to getRandomValues on plain http, where randomUUID is missing', () => {
    const getRandomValues = <T extends ArrayBufferView | null>(array: T): T => {
      if (array instanceof Uint8Array) array.fill(0xab);
      return array;
    };

    const id = newClientMsgId({ getRandomValues });

    expect(id).toBe('ab'.repeat(16));
    expect(id).toMatch(CLIENT_MSG_ID);
  });
});

describe('session outcome', () => {
  it('reports nothing for the first connect of the tab', () => {
    const store = connectedStore();

    store.commit('sessionStarted', { node: 'node-a', recovered: false });

    expect(store.state.connection.sessionOutcome).toBeNull();
  });

  it.each([
    [true, 'recovered'],
    [false, 'new'],
  ] as const)('reports recovered: %s after a reconnect as %s', (recovered, outcome) => {
    const store = connectedStore();
    store.commit('sessionStarted', { node: 'node-a', recovered: false });

    reconnect(store, { recovered });

    expect(store.state.connection.sessionOutcome).toBe(outcome);
  });

  it('keeps the outcome until the connection changes again', () => {
    const store = connectedStore();
    reconnect(store, { recovered: true });
    store.commit('broadcastReceived', makeMessage());
    expect(store.state.connection.sessionOutcome).toBe('recovered');

    store.commit('disconnected', true);
    expect(store.state.connection.sessionOutcome).toBeNull();

    store.commit('connected', 'newSocketId000000003');
    store.commit('sessionStarted', { node: 'node-a', recovered: false });
    expect(store.state.connection.sessionOutcome).toBe('new');
  });
});

describe('profile', () => {
  it('saves the trimmed name and stores what the server confirmed', async () => {
    const transport = fakeTransport();
    const ack = deferred<ReturnType<typeof nameAck>>();
    transport.setProfile.mockReturnValue(ack.promise);
    const store = connectedStore(transport);

    const result = store.dispatch('setProfile', '  Ada  ');
    expect(transport.setProfile).toHaveBeenCalledWith({ name: 'Ada' });
    expect(store.state.profile).toEqual({ name: null, saving: true, error: null });
    expect(canSaveProfile(store.state)).toBe(false);

    ack.resolve(nameAck('Ada'));
    await expect(result).resolves.toBe(true);
    expect(store.state.profile).toEqual({ name: 'Ada', saving: false, error: null });
  });

  it("keeps the old name and shows the server's message on rejection", async () => {
    const transport = fakeTransport();
    transport.setProfile.mockResolvedValueOnce(nameAck('Ada'));
    transport.setProfile.mockResolvedValueOnce(
      invalidAck('name must not contain control characters'),
    );
    const store = connectedStore(transport);
    await store.dispatch('setProfile', 'Ada');

    await expect(store.dispatch('setProfile', 'A\u0007da')).resolves.toBe(false);

    expect(store.state.profile).toEqual({
      name: 'Ada',
      saving: false,
      error: 'name must not contain control characters',
    });
  });

  it('reports a timeout, and clears the error on the next attempt', async () => {
    const transport = fakeTransport();
    transport.setProfile.mockRejectedValueOnce(new Error('operation has timed out'));
    transport.setProfile.mockResolvedValueOnce(nameAck('Ada'));
    const store = connectedStore(transport);

    await store.dispatch('setProfile', 'Ada');
    expect(store.state.profile.error).toBe(PROFILE_TIMEOUT_MESSAGE);

    await store.dispatch('setProfile', 'Ada');
    expect(store.state.profile).toEqual({ name: 'Ada', saving: false, error: null });
  });

  it('does not save a blank name, nor while offline', async () => {
    const transport = fakeTransport();
    const store = connectedStore(transport);

    await expect(store.dispatch('setProfile', '   ')).resolves.toBe(false);
    store.commit('disconnected', false);
    await expect(store.dispatch('setProfile', 'Ada')).resolves.toBe(false);

    expect(transport.setProfile).not.toHaveBeenCalled();
    expect(store.state.profile.error).toBe(PROFILE_OFFLINE_MESSAGE);
  });

  it('adopts the name a recovered session reports', () => {
    const store = connectedStore();
    store.commit('sessionStarted', { node: 'node-a', recovered: false });

    reconnect(store, { recovered: true, name: 'Ada' });

    expect(store.state.profile.name).toBe('Ada');
  });

  it('drops the name when a new session has none, since the server no longer sends it', () => {
    const store = connectedStore();
    store.commit('profileSaved', 'Ada');

    reconnect(store, { recovered: false });

    expect(store.state.profile.name).toBeNull();
  });
});
