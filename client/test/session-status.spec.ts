import { flushPromises } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import SessionStatus from '../src/components/SessionStatus.vue';
import { connectedStore, mountWithStore, reconnect } from './helpers';

function mountStatus() {
  const store = connectedStore();
  store.commit('sessionStarted', { node: 'node-a', recovered: false });
  const wrapper = mountWithStore(SessionStatus, store);
  const status = () => wrapper.find('[data-testid="session-status"]');
  return { store, wrapper, status };
}

describe('SessionStatus', () => {
  it('shows nothing after the first connect', () => {
    const { wrapper, status } = mountStatus();

    expect(status().exists()).toBe(false);
    // The live region is there already, so the line that appears in it gets announced.
    expect(wrapper.get('[role="status"]').text()).toBe('');
  });

  it('says "Session recovered" after a reconnect that kept the session', async () => {
    const { store, wrapper, status } = mountStatus();

    reconnect(store, { recovered: true });
    await flushPromises();

    expect(status().text()).toBe('Session recovered');
    expect(status().attributes('data-recovered')).toBe('true');
    expect(wrapper.get('[role="status"]').element.contains(status().element)).toBe(true);
  });

  it('says "New session" after a reconnect that could not be recovered', async () => {
    const { store, status } = mountStatus();

    reconnect(store, { recovered: false });
    await flushPromises();

    expect(status().text()).toBe('New session');
    expect(status().attributes('data-recovered')).toBe('false');
  });

  it('stays until the connection changes, then reports the next outcome', async () => {
    const { store, status } = mountStatus();
    reconnect(store, { recovered: true });
    await flushPromises();

    store.commit('disconnected', true);
    await flushPromises();
    expect(status().exists()).toBe(false);

    store.commit('connected', 'newSocketId000000003');
    store.commit('sessionStarted', { node: 'node-b', recovered: false });
    await flushPromises();
    expect(status().attributes('data-recovered')).toBe('false');
  });
});
