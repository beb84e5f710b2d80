import { describe, expect, it } from 'vitest';
import { SEND_TIMEOUT_MS, createConnection } from '../src/realtime/connection';
import { createAppStore } from '../src/store';
import { typedCommit } from '../src/store/mutations';
import { createFakeSocket } from './fake-socket';
import { OWN_SOCKET_ID, makeMessage } from './helpers';

function setup() {
  const { fake, socket } = createFakeSocket();
  const connection = createConnection(socket);
  const store = createAppStore(connection);
  connection.start(typedCommit(store.commit));
  return { fake, connection, store };
}

describe('connection', () => {
  it('connects only after its listeners are bound', () => {
    const { fake } = setup();
    expect(fake.connect).toHaveBeenCalledOnce();
    expect(fake.listenerCount() + fake.io.listenerCount()).toBe(8);
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

  it('sends input_event with an ack and a timeout', async () => {
    const { fake, connection } = setup();
    fake.emitWithAck.mockResolvedValue({ status: 'ok', id: 'm-1' });

    await expect(connection.send({ text: 'hi' })).resolves.toEqual({ status: 'ok', id: 'm-1' });
    expect(fake.timeout).toHaveBeenCalledWith(SEND_TIMEOUT_MS);
    expect(fake.emitWithAck).toHaveBeenCalledWith('input_event', { text: 'hi' });
  });

  it('removes every listener and disconnects on stop', () => {
    const { fake, connection } = setup();

    connection.stop();

    expect(fake.listenerCount() + fake.io.listenerCount()).toBe(0);
    expect(fake.disconnect).toHaveBeenCalledOnce();
  });
});
