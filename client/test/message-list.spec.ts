import { flushPromises } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import MessageList from '../src/components/MessageList.vue';
import { LOBBY } from '../src/store/state';
import {
  OTHER_SOCKET_ID,
  OWN_SOCKET_ID,
  connectedStore,
  makeMessage,
  mountWithStore,
  storeWithRooms,
} from './helpers';

describe('MessageList', () => {
  it('shows the empty state in a polite live log when there are no messages', () => {
    const wrapper = mountWithStore(MessageList, connectedStore());

    const list = wrapper.get('[data-testid="message-list"]');
    expect(list.attributes()).toMatchObject({ role: 'log', 'aria-live': 'polite' });
    expect(wrapper.get('[data-testid="empty-state"]').text()).toBe('No messages yet — say hello');
    expect(wrapper.findAll('[data-testid="message-item"]')).toHaveLength(0);
  });

  it('lists messages oldest first and marks only our own', async () => {
    const store = connectedStore();
    const wrapper = mountWithStore(MessageList, store);

    store.commit('broadcastReceived', makeMessage({ text: 'from them', sender: OTHER_SOCKET_ID }));
    store.commit('broadcastReceived', makeMessage({ text: 'from us', sender: OWN_SOCKET_ID }));
    await flushPromises();

    expect(wrapper.find('[data-testid="empty-state"]').exists()).toBe(false);
    const items = wrapper.findAll('[data-testid="message-item"]');
    expect(items.map((item) => item.get('[data-testid="message-text"]').text())).toEqual([
      'from them',
      'from us',
    ]);
    expect(items.map((item) => item.attributes('data-own'))).toEqual(['false', 'true']);
    expect(items[0]?.find('[data-testid="own-label"]').exists()).toBe(false);
    expect(items[1]?.get('[data-testid="own-label"]').text()).toBe('you');
  });

  it("shows the current room's messages only; the lobby's are those without a room", async () => {
    const store = storeWithRooms(['general', 'quiet'], 'general');
    const wrapper = mountWithStore(MessageList, store);
    const texts = () => wrapper.findAll('[data-testid="message-text"]').map((text) => text.text());

    store.commit('broadcastReceived', makeMessage({ text: 'to everyone' }));
    store.commit('broadcastReceived', makeMessage({ text: 'in general', room: 'general' }));
    store.commit('broadcastReceived', makeMessage({ text: 'elsewhere', room: 'random' }));
    await flushPromises();
    expect(texts()).toEqual(['in general']);

    await store.dispatch('switchRoom', LOBBY);
    expect(texts()).toEqual(['to everyone']);

    await store.dispatch('switchRoom', 'quiet');
    expect(wrapper.find('[data-testid="empty-state"]').exists()).toBe(true);
  });

  it('shows the short sender id, the node and the local time', () => {
    const store = connectedStore();
    store.commit(
      'broadcastReceived',
      makeMessage({ node: 'node-b', sentAt: new Date(2024, 5, 7, 8, 9, 10).getTime() }),
    );
    const wrapper = mountWithStore(MessageList, store);

    const item = wrapper.get('[data-testid="message-item"]');
    expect(item.get('[data-testid="message-sender"]').text()).toBe(OTHER_SOCKET_ID.slice(0, 6));
    expect(item.get('[data-testid="message-node"]').text()).toBe('node-b');
    expect(item.get('time').text()).toBe('08:09:10');
  });

  it.each(['<img src=x onerror=alert(1)>', '<b>bold</b>'])(
    'renders %s as literal text',
    async (text) => {
      const store = connectedStore();
      const wrapper = mountWithStore(MessageList, store);

      store.commit('broadcastReceived', makeMessage({ text }));
      await flushPromises();

      const rendered = wrapper.get('[data-testid="message-text"]');
      expect(rendered.element.textContent).toBe(text);
      expect(wrapper.find('img').exists()).toBe(false);
      expect(wrapper.find('b').exists()).toBe(false);
      expect(rendered.element.children).toHaveLength(0);
    },
  );

  it('shows the sender name when there is one, keeping the short id smaller with the full id as title', () => {
    const store = connectedStore();
    store.commit('broadcastReceived', makeMessage({ senderName: 'Ada' }));
    store.commit('broadcastReceived', makeMessage({ sender: OWN_SOCKET_ID, senderName: 'Me' }));
    const wrapper = mountWithStore(MessageList, store);

    const [theirs, ours] = wrapper.findAll('[data-testid="message-item"]');
    expect(theirs?.get('[data-testid="message-sender-name"]').text()).toBe('Ada');
    const id = theirs!.get('[data-testid="message-sender"]');
    expect(id.text()).toContain(OTHER_SOCKET_ID.slice(0, 6));
    expect(id.attributes('title')).toBe(OTHER_SOCKET_ID);
    expect(id.classes()).toContain('opacity-75');
    expect(ours?.get('[data-testid="message-sender-name"]').text()).toBe('Me');
    expect(ours?.get('[data-testid="own-label"]').text()).toBe('you');
  });

  it('shows no sender name element for a message without one', () => {
    const store = connectedStore();
    store.commit('broadcastReceived', makeMessage());
    const wrapper = mountWithStore(MessageList, store);

    expect(wrapper.find('[data-testid="message-sender-name"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="message-sender"]').classes()).not.toContain('opacity-75');
  });

  it.each(['<img src=x onerror=alert(1)>', '<b>Ada</b>'])(
    'renders the sender name %s as literal text',
    (senderName) => {
      const store = connectedStore();
      store.commit('broadcastReceived', makeMessage({ senderName }));
      const wrapper = mountWithStore(MessageList, store);

      const rendered = wrapper.get('[data-testid="message-sender-name"]');
      expect(rendered.element.textContent).toBe(senderName);
      expect(rendered.element.children).toHaveLength(0);
      expect(wrapper.find('img').exists()).toBe(false);
      expect(wrapper.find('b').exists()).toBe(false);
    },
  );

  it('scrolls to the bottom when a message arrives', async () => {
    const store = connectedStore();
    const wrapper = mountWithStore(MessageList, store);
    const list = wrapper.get('[data-testid="message-list"]').element;
    // jsdom has no layout, so give the log a height to scroll to.
    Object.defineProperty(list, 'scrollHeight', { configurable: true, value: 1234 });

    store.commit('broadcastReceived', makeMessage());
    await flushPromises();

    expect(list.scrollTop).toBe(1234);
  });
});
