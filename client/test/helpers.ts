import type { BroadcastMessage, PresenceEvent, PresenceMember } from '@contract';
import { mount, type ComponentMountingOptions } from '@vue/test-utils';
import { vi } from 'vitest';
import type { Component } from 'vue';
import type { Store } from 'vuex';
import type {
  InputEventAck,
  ListPresenceAck,
  RoomAck,
  SetProfileAck,
  Transport,
} from '../src/realtime/transport';
import { createAppStore, key, type State } from '../src/store';
import { ROOMS_STORAGE_KEY } from '../src/store/persistence';
import { LOBBY } from '../src/store/state';

export const OWN_SOCKET_ID = 'ownSocketId000000001';
export const OTHER_SOCKET_ID = 'otherSocketId0000002';

let sequence = 0;

export function makeMessage(overrides: Partial<BroadcastMessage> = {}): BroadcastMessage {
  sequence += 1;
  return {
    id: `msg-${sequence}`,
    text: `message ${sequence}`,
    sender: OTHER_SOCKET_ID,
    node: 'node-a',
    sentAt: new Date(2024, 0, 2, 3, 4, 5).getTime(),
    ...overrides,
  };
}

export function fakeTransport() {
  return {
    send: vi.fn<Transport['send']>(),
    setProfile: vi.fn<Transport['setProfile']>(),
    signIn: vi.fn<Transport['signIn']>(),
    joinRoom: vi.fn<Transport['joinRoom']>(),
    leaveRoom: vi.fn<Transport['leaveRoom']>(),
    listPresence: vi.fn<Transport['listPresence']>(),
  };
}

export function makeMember(overrides: Partial<PresenceMember> = {}): PresenceMember {
  return { socketId: OTHER_SOCKET_ID, node: 'node-a', joinedAt: 1_700_000_000_000, ...overrides };
}

export function presenceEvent(
  room: string,
  type: PresenceEvent['type'],
  member: PresenceMember,
): PresenceEvent {
  return { room, type, member };
}

/** A join_room / leave_room ack; `rooms` is not read by the client. */
export const roomAck = (room: string, rooms: string[] = [room]): RoomAck => ({
  status: 'ok',
  room,
  rooms,
});
export const presenceAck = (room: string, members: PresenceMember[]): ListPresenceAck => ({
  status: 'ok',
  room,
  members,
});

/** The contract's rule for clientMsgId. */
export const CLIENT_MSG_ID = /^[\w-]{16,64}$/;

/** A promise the test settles by hand, to observe the store while a send is in flight. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export const okAck = (id: string): InputEventAck => ({ status: 'ok', id });
export const nameAck = (name: string): SetProfileAck => ({ status: 'ok', name });
export const invalidAck = (message: string) =>
  ({ status: 'error', code: 'invalid_payload', message }) as const;

/** A Storage of its own per test, so rooms one test persisted never leak into the next. */
export function memoryStorage(entries: Record<string, string> = {}): Storage {
  const items = new Map(Object.entries(entries));
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, String(value)),
  };
}

/** A store that already went through a successful connect as OWN_SOCKET_ID. */
export function connectedStore(
  transport: Transport = fakeTransport(),
  storage: Storage = memoryStorage(),
): Store<State> {
  const store = createAppStore(transport, storage);
  store.commit('connected', OWN_SOCKET_ID);
  return store;
}

/** A connected store that restored `joined` and `current` from localStorage, as after a reload. */
export function storeWithRooms(
  joined: string[],
  current: string = LOBBY,
  transport: Transport = fakeTransport(),
): Store<State> {
  const stored = JSON.stringify({ joined, current });
  return connectedStore(transport, memoryStorage({ [ROOMS_STORAGE_KEY]: stored }));
}

/** Answers list_presence from `members` by room, then lists every joined room. */
export async function listRooms(
  store: Store<State>,
  transport: ReturnType<typeof fakeTransport>,
  members: Record<string, PresenceMember[]>,
) {
  transport.listPresence.mockImplementation(async ({ room }) =>
    presenceAck(room, members[room] ?? []),
  );
  await store.dispatch('resumeRooms', true);
}

/** What connection.ts commits when socket.io drops and restores the connection. */
export function reconnect(
  store: Store<State>,
  session: { recovered: boolean; name?: string; socketId?: string },
) {
  const socketId = session.socketId ?? (session.recovered ? OWN_SOCKET_ID : 'newSocketId000000003');
  store.commit('disconnected', true);
  store.commit('reconnectAttempt', 1);
  store.commit('reconnected');
  store.commit('connected', socketId);
  store.commit('sessionStarted', {
    node: 'node-b',
    recovered: session.recovered,
    ...(session.name !== undefined && { name: session.name }),
  });
}

export function mountWithStore<C extends Component>(
  component: C,
  store: Store<State>,
  options: ComponentMountingOptions<C> = {},
) {
  return mount(component, {
    ...options,
    global: { ...options.global, plugins: [[store, key]] },
  } as ComponentMountingOptions<C>);
}
