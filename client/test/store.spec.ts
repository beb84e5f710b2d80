import { describe, expect, it } from 'vitest';
import { createAppStore } from '../src/store';
import { OFFLINE_MESSAGE, SEND_TIMEOUT_MESSAGE } from '../src/store/actions';
import { isOwnMessage } from '../src/store/selectors';
import { MAX_MESSAGES } from '../src/store/state';
import {
  OTHER_SOCKET_ID,
  OWN_SOCKET_ID,
  connectedStore,
  deferred,
  fakeTransport,
  makeMessage,
  okAck,
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
  it('sends the trimmed text and records the acknowledged id', async () => {
    const transport = fakeTransport();
    const ack = deferred<ReturnType<typeof okAck>>();
    transport.send.mockReturnValue(ack.promise);
    const store = connectedStore(transport);

    const result = store.dispatch('send', '  hello  ');
    expect(transport.send).toHaveBeenCalledWith({ text: 'hello' });
    expect(store.state.lastSend).toEqual({ status: 'pending' });

    ack.resolve(okAck('m-1'));
    await expect(result).resolves.toBe(true);
    expect(store.state.lastSend).toEqual({ status: 'ok', id: 'm-1' });
  });

  it("shows the server's message when the ack is an error", async () => {
    const transport = fakeTransport();
    transport.send.mockResolvedValue({
      status: 'error',
      code: 'invalid_payload',
      message: 'text must be at most 2000 characters',
    });
    const store = connectedStore(transport);

    await expect(store.dispatch('send', 'hello')).resolves.toBe(false);
    expect(store.state.lastSend).toEqual({
      status: 'error',
      message: 'text must be at most 2000 characters',
    });
  });

  it('reports a timeout when no ack arrives', async () => {
    const transport = fakeTransport();
    transport.send.mockRejectedValue(new Error('operation has timed out'));
    const store = connectedStore(transport);

    await expect(store.dispatch('send', 'hello')).resolves.toBe(false);
    expect(store.state.lastSend).toEqual({ status: 'error', message: SEND_TIMEOUT_MESSAGE });
  });

  it('does not call the transport for blank text', async () => {
    const transport = fakeTransport();
    const store = connectedStore(transport);

    await expect(store.dispatch('send', '   ')).resolves.toBe(false);
    expect(transport.send).not.toHaveBeenCalled();
    expect(store.state.lastSend).toEqual({ status: 'idle' });
  });

  it('refuses to send while not connected instead of buffering', async () => {
    const transport = fakeTransport();
    const store = createAppStore(transport);

    await expect(store.dispatch('send', 'hello')).resolves.toBe(false);
    expect(transport.send).not.toHaveBeenCalled();
    expect(store.state.lastSend).toEqual({ status: 'error', message: OFFLINE_MESSAGE });
  });

  it('ignores a second send while the first is in flight', async () => {
    const transport = fakeTransport();
    const ack = deferred<ReturnType<typeof okAck>>();
    transport.send.mockReturnValue(ack.promise);
    const store = connectedStore(transport);

    const first = store.dispatch('send', 'one');
    await expect(store.dispatch('send', 'two')).resolves.toBe(false);
    ack.resolve(okAck('m-1'));
    await first;

    expect(transport.send).toHaveBeenCalledTimes(1);
  });
});
