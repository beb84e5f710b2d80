import { flushPromises } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import ConnectionBadge from '../src/components/ConnectionBadge.vue';
import { createAppStore } from '../src/store';
import { OWN_SOCKET_ID, fakeTransport, mountWithStore } from './helpers';

describe('ConnectionBadge', () => {
  it('follows the connection status', async () => {
    const store = createAppStore(fakeTransport());
    const wrapper = mountWithStore(ConnectionBadge, store);
    const badge = () => wrapper.get('[data-testid="connection-badge"]');

    expect(badge().attributes('data-status')).toBe('connecting');
    expect(badge().text()).toBe('Connecting');

    store.commit('connected', OWN_SOCKET_ID);
    await flushPromises();
    expect(badge().attributes('data-status')).toBe('connected');
    expect(badge().text()).toBe('Connected');

    store.commit('disconnected', true);
    store.commit('reconnectAttempt', 2);
    await flushPromises();
    expect(badge().attributes('data-status')).toBe('reconnecting');
    expect(badge().text()).toMatch(/^Reconnecting/);

    store.commit('disconnected', false);
    await flushPromises();
    expect(badge().attributes('data-status')).toBe('offline');
    expect(badge().text()).toBe('Offline');
  });

  it('shows the serving node once the session event names it', async () => {
    const store = createAppStore(fakeTransport());
    store.commit('connected', OWN_SOCKET_ID);
    const wrapper = mountWithStore(ConnectionBadge, store);

    expect(wrapper.find('[data-testid="node-name"]').exists()).toBe(false);

    store.commit('sessionStarted', { node: 'node-a', recovered: false });
    await flushPromises();
    expect(wrapper.get('[data-testid="node-name"]').text()).toBe('node-a');
  });
});
