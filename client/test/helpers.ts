import type { BroadcastMessage } from '@contract';
import { mount, type ComponentMountingOptions } from '@vue/test-utils';
import { vi } from 'vitest';
import type { Component } from 'vue';
import type { Store } from 'vuex';
import type { InputEventAck, Transport } from '../src/realtime/transport';
import { createAppStore, key, type State } from '../src/store';

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
  return { send: vi.fn<Transport['send']>() };
}

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

/** A store that already went through a successful connect as OWN_SOCKET_ID. */
export function connectedStore(transport: Transport = fakeTransport()): Store<State> {
  const store = createAppStore(transport);
  store.commit('connected', OWN_SOCKET_ID);
  return store;
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
