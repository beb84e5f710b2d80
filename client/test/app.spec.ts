import { describe, expect, it } from 'vitest';
import App from '../src/App.vue';
import { connectedStore, mountWithStore } from './helpers';

describe('App', () => {
  it('puts the name, the connection badge, the profile, the rooms, the log and the form on one page', () => {
    const wrapper = mountWithStore(App, connectedStore());

    expect(wrapper.get('h1').text()).toBe('deliverer');
    for (const testId of [
      'connection-badge',
      'name-input',
      'name-save',
      'message-list',
      'message-input',
      'send-button',
      'room-list',
      'room-item',
      'join-room-input',
      'join-room-button',
      'online-lobby',
    ]) {
      expect(wrapper.find(`[data-testid="${testId}"]`).exists()).toBe(true);
    }
  });
});
