import { flushPromises, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import JoinRoomForm from '../src/components/JoinRoomForm.vue';
import RoomList from '../src/components/RoomList.vue';
import { INVALID_ROOM_MESSAGE } from '../src/room-name';
import { LOBBY } from '../src/store/state';
import {
  OTHER_SOCKET_ID,
  OWN_SOCKET_ID,
  connectedStore,
  deferred,
  fakeTransport,
  listRooms,
  makeMember,
  makeMessage,
  mountWithStore,
  presenceAck,
  roomAck,
  storeWithRooms,
} from './helpers';

let wrapper: VueWrapper | undefined;
afterEach(() => wrapper?.unmount());

function mountList(store = storeWithRooms(['general', 'random'], 'random')) {
  wrapper = mountWithStore(RoomList, store);
  const items = () => wrapper!.findAll('[data-testid="room-item"]');
  const item = (room: string) => wrapper!.get(`[data-testid="room-item"][data-room="${room}"]`);
  return { store, wrapper, items, item };
}

describe('RoomList', () => {
  it('shows the lobby first, then the joined rooms, marking the current one', () => {
    const { items, item } = mountList();

    expect(items().map((i) => i.attributes('data-room'))).toEqual([LOBBY, 'general', 'random']);
    expect(items().map((i) => i.attributes('data-current'))).toEqual(['false', 'false', 'true']);
    expect(item(LOBBY).text()).toContain('Lobby');
    expect(item('general').text()).toContain('general');
    expect(item('random').get('button[aria-current="true"]').text()).toContain('random');
  });

  it('switches rooms on click', async () => {
    const { store, item } = mountList();

    await item('general').get('button').trigger('click');

    expect(store.state.rooms.current).toBe('general');
    expect(item('general').attributes('data-current')).toBe('true');
    expect(item('random').attributes('data-current')).toBe('false');
  });

  it('badges unread messages of the other rooms, lobby included, until shown', async () => {
    const { store, item } = mountList();
    const unread = (room: string) => item(room).find('[data-testid="room-unread"]');

    store.commit('broadcastReceived', makeMessage({ room: 'general' }));
    store.commit('broadcastReceived', makeMessage({ room: 'general' }));
    store.commit('broadcastReceived', makeMessage());
    store.commit('broadcastReceived', makeMessage({ room: 'random' }));
    await flushPromises();
    expect(unread('general').text()).toBe('2');
    expect(unread(LOBBY).text()).toBe('1');
    expect(unread('random').exists()).toBe(false);

    await item('general').get('button').trigger('click');
    expect(unread('general').exists()).toBe(false);
    expect(unread(LOBBY).text()).toBe('1');
  });

  it('caps the badge at 99+', async () => {
    const { store, item } = mountList();

    for (let i = 0; i < 100; i += 1) store.commit('broadcastReceived', makeMessage());
    await flushPromises();

    expect(item(LOBBY).get('[data-testid="room-unread"]').text()).toBe('99+');
  });

  it('shows how many are online in each named room, and no count for the lobby', async () => {
    const transport = fakeTransport();
    const store = storeWithRooms(['general', 'random'], 'random', transport);
    const { item } = mountList(store);
    expect(item('general').find('[data-testid="room-count"]').exists()).toBe(false);

    await listRooms(store, transport, {
      general: [makeMember({ socketId: OWN_SOCKET_ID }), makeMember()],
      random: [makeMember({ socketId: OWN_SOCKET_ID })],
    });

    expect(item('general').get('[data-testid="room-count"]').text()).toBe('2');
    expect(item('random').get('[data-testid="room-count"]').text()).toBe('1');
    expect(item(LOBBY).find('[data-testid="room-count"]').exists()).toBe(false);
  });

  it('leaves a room with its own button; the lobby has none', async () => {
    const transport = fakeTransport();
    transport.leaveRoom.mockResolvedValue(roomAck('random', ['general']));
    const { store, items, item } = mountList(
      storeWithRooms(['general', 'random'], 'random', transport),
    );
    expect(item(LOBBY).find('[data-testid="leave-room-button"]').exists()).toBe(false);

    const leave = item('random').get('[data-testid="leave-room-button"]');
    expect(leave.attributes('aria-label')).toBe('Leave random');
    await leave.trigger('click');
    await flushPromises();

    expect(transport.leaveRoom).toHaveBeenCalledWith({ room: 'random' });
    expect(items().map((i) => i.attributes('data-room'))).toEqual([LOBBY, 'general']);
    expect(store.state.rooms.current).toBe(LOBBY);
    expect(item(LOBBY).attributes('data-current')).toBe('true');
  });
});

function mountForm(store = connectedStore()) {
  wrapper = mountWithStore(JoinRoomForm, store);
  return {
    input: wrapper.get<HTMLInputElement>('[data-testid="join-room-input"]'),
    button: wrapper.get<HTMLButtonElement>('[data-testid="join-room-button"]'),
    error: () => wrapper!.find('[data-testid="room-error"]'),
  };
}

describe('JoinRoomForm', () => {
  it('joins the room typed, then clears the input', async () => {
    const transport = fakeTransport();
    transport.joinRoom.mockResolvedValue(roomAck('general'));
    transport.listPresence.mockResolvedValue(presenceAck('general', []));
    const store = connectedStore(transport);
    const { input, button } = mountForm(store);
    expect(button.element.disabled).toBe(true);

    await input.setValue(' general ');
    expect(button.element.disabled).toBe(false);
    await wrapper!.get('form').trigger('submit');
    await flushPromises();

    expect(transport.joinRoom).toHaveBeenCalledWith({ room: 'general' });
    expect(store.state.rooms).toMatchObject({ joined: ['general'], current: 'general' });
    expect(input.element.value).toBe('');
  });

  it('explains an invalid name without asking the server, until the name is edited', async () => {
    const transport = fakeTransport();
    const { input, error } = mountForm(connectedStore(transport));

    await input.setValue('no spaces');
    await wrapper!.get('form').trigger('submit');
    await flushPromises();

    expect(transport.joinRoom).not.toHaveBeenCalled();
    expect(error().text()).toBe(INVALID_ROOM_MESSAGE);
    expect(error().attributes('role')).toBe('alert');
    expect(input.attributes('aria-invalid')).toBe('true');
    expect(input.attributes('aria-describedby')).toBe(error().attributes('id'));
    expect(input.element.value).toBe('no spaces');
    expect(input.attributes('maxlength')).toBe('64');

    await input.setValue('no-spaces');
    expect(error().exists()).toBe(false);
  });

  it("shows the server's refusal", async () => {
    const transport = fakeTransport();
    transport.joinRoom.mockResolvedValue({
      status: 'error',
      code: 'too_many_rooms',
      message: 'a socket may be in at most 50 rooms',
    });
    const { input, error } = mountForm(connectedStore(transport));

    await input.setValue('one-too-many');
    await wrapper!.get('form').trigger('submit');
    await flushPromises();

    expect(error().text()).toBe('a socket may be in at most 50 rooms');
    expect(input.element.value).toBe('one-too-many');
  });

  it('is busy while the join is in flight, and disabled while offline', async () => {
    const transport = fakeTransport();
    const ack = deferred<ReturnType<typeof roomAck>>();
    transport.joinRoom.mockReturnValue(ack.promise);
    transport.listPresence.mockResolvedValue(presenceAck('general', []));
    const store = connectedStore(transport);
    const { input, button } = mountForm(store);

    await input.setValue('general');
    await wrapper!.get('form').trigger('submit');
    expect(button.attributes('aria-busy')).toBe('true');
    expect(button.element.disabled).toBe(true);
    ack.resolve(roomAck('general'));
    await flushPromises();
    expect(button.attributes('aria-busy')).toBe('false');

    await input.setValue('another');
    store.commit('disconnected', false);
    await flushPromises();
    expect(button.element.disabled).toBe(true);
  });

  it('lists a member the server reports in the joined room', async () => {
    const transport = fakeTransport();
    transport.joinRoom.mockResolvedValue(roomAck('general'));
    transport.listPresence.mockResolvedValue(
      presenceAck('general', [makeMember({ socketId: OTHER_SOCKET_ID })]),
    );
    const store = connectedStore(transport);
    const { input } = mountForm(store);

    await input.setValue('general');
    await wrapper!.get('form').trigger('submit');
    await flushPromises();

    expect(Object.keys(store.state.presence.general?.members ?? {})).toEqual([OTHER_SOCKET_ID]);
  });
});
