import { flushPromises } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import OnlineList from '../src/components/OnlineList.vue';
import { LOBBY } from '../src/store/state';
import {
  OTHER_SOCKET_ID,
  OWN_SOCKET_ID,
  deferred,
  fakeTransport,
  listRooms,
  makeMember,
  mountWithStore,
  presenceEvent,
  reconnect,
  storeWithRooms,
} from './helpers';
import type { ListPresenceAck } from '../src/realtime/transport';

const me = makeMember({ socketId: OWN_SOCKET_ID, node: 'node-a' });
const ada = makeMember({ socketId: OTHER_SOCKET_ID, name: 'Ada', node: 'node-b' });

function mountOnline(room = 'general') {
  const transport = fakeTransport();
  const store = storeWithRooms(['general'], room, transport);
  const wrapper = mountWithStore(OnlineList, store);
  const members = () => wrapper.findAll('[data-testid="online-member"]');
  const count = () => wrapper.find('[data-testid="online-count"]');
  return { transport, store, wrapper, members, count };
}

describe('OnlineList', () => {
  it('says the lobby reaches everyone connected, with no list and no count', () => {
    const { wrapper, count } = mountOnline(LOBBY);

    expect(wrapper.get('[data-testid="online-lobby"]').text()).toBe('Lobby: everyone connected');
    expect(wrapper.find('[data-testid="online-list"]').exists()).toBe(false);
    expect(count().exists()).toBe(false);
  });

  it('lists the members of the current room: name or short id, (you), node, and the count', async () => {
    const { transport, store, members, count } = mountOnline();

    await listRooms(store, transport, { general: [ada, me] });

    expect(count().text()).toBe('2');
    const [first, second] = members();
    expect(first?.attributes()).toMatchObject({
      'data-socket-id': OWN_SOCKET_ID,
      'data-own': 'true',
    });
    expect(first?.get('[data-testid="online-member-name"]').text()).toBe(OWN_SOCKET_ID.slice(0, 6));
    expect(first?.get('[data-testid="online-you"]').text()).toBe('(you)');
    expect(first?.get('[data-testid="online-member-node"]').text()).toBe('node-a');
    expect(second?.attributes('data-own')).toBe('false');
    expect(second?.get('[data-testid="online-member-name"]').text()).toBe('Ada');
    expect(second?.find('[data-testid="online-you"]').exists()).toBe(false);
    expect(second?.get('[data-testid="online-member-node"]').text()).toBe('node-b');
  });

  it('follows presence events live', async () => {
    const { transport, store, members, count } = mountOnline();
    await listRooms(store, transport, { general: [me] });

    await store.dispatch('presenceReceived', presenceEvent('general', 'join', ada));
    await flushPromises();
    expect(count().text()).toBe('2');

    await store.dispatch(
      'presenceReceived',
      presenceEvent('general', 'update', { ...ada, name: 'Lovelace' }),
    );
    await flushPromises();
    expect(members()[1]?.get('[data-testid="online-member-name"]').text()).toBe('Lovelace');

    await store.dispatch('presenceReceived', presenceEvent('general', 'leave', ada));
    await flushPromises();
    expect(count().text()).toBe('1');
    expect(members()).toHaveLength(1);
  });

  it('moves "(you)" to the new socket id after a new session', async () => {
    const { transport, store, wrapper } = mountOnline();
    const newId = 'newSocketId000000003';
    await listRooms(store, transport, { general: [me, ada] });

    reconnect(store, { recovered: false, socketId: newId });
    await listRooms(store, transport, { general: [ada, { ...me, socketId: newId }] });
    await flushPromises();

    const own = wrapper.findAll('[data-testid="online-member"][data-own="true"]');
    expect(own.map((m) => m.attributes('data-socket-id'))).toEqual([newId]);
  });

  it('says it is loading until the first list, and stays calm when presence is unavailable', async () => {
    const { transport, store, wrapper, count } = mountOnline();
    const answer = deferred<ListPresenceAck>();
    transport.listPresence.mockReturnValueOnce(answer.promise);
    const status = () => wrapper.find('[data-testid="online-loading"]');

    void store.dispatch('resumeRooms', true);
    await flushPromises();
    expect(status().text()).toBe('Loading…');
    expect(count().exists()).toBe(false);

    answer.resolve({ status: 'error', code: 'unavailable', message: 'Redis is down' });
    await flushPromises();
    expect(status().text()).toBe('Not available right now');
    expect(wrapper.find('[role="alert"]').exists()).toBe(false);
  });

  it('keeps showing the last list when a later one fails', async () => {
    const { transport, store, members, wrapper } = mountOnline();
    await listRooms(store, transport, { general: [me, ada] });
    transport.listPresence.mockResolvedValue({
      status: 'error',
      code: 'unavailable',
      message: 'Redis is down',
    });

    await store.dispatch('resumeRooms', true);
    await flushPromises();

    expect(members()).toHaveLength(2);
    expect(wrapper.find('[data-testid="online-loading"]').exists()).toBe(false);
  });
});
