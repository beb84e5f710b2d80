import { flushPromises, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import TokenForm from '../src/components/TokenForm.vue';
import { handshakeAuth, resolveToken } from '../src/realtime/token';
import { createAppStore } from '../src/store';
import { isOwnMessage } from '../src/store/selectors';
import { fakeTransport, mountWithStore } from './helpers';

let wrapper: VueWrapper | undefined;
afterEach(() => wrapper?.unmount());

const unauthorized = (message: string) => ({ message, willReconnect: false, unauthorized: true });

describe('the access token', () => {
  it('comes from ?token= and is presented at every handshake, or not at all', () => {
    const holder = resolveToken('?server=x&token=%20abc.def.ghi%20');
    expect(holder.current).toBe('abc.def.ghi');
    const sent: unknown[] = [];
    handshakeAuth(holder)((auth) => sent.push(auth));
    holder.current = 'new.token.value';
    handshakeAuth(holder)((auth) => sent.push(auth));
    handshakeAuth(resolveToken(''))((auth) => sent.push(auth));
    expect(sent).toEqual([{ token: 'abc.def.ghi' }, { token: 'new.token.value' }, {}]);
  });

  it('is asked for when the server refuses the handshake or the token expires', () => {
    const store = createAppStore(fakeTransport());
    store.commit('connectFailed', unauthorized('the token has expired'));
    expect(store.state.connection).toMatchObject({
      authRequired: true,
      lastError: 'the token has expired',
    });
    store.commit('sessionStarted', { node: 'node-a', recovered: false, userId: 'u1' });
    expect(store.state.connection).toMatchObject({ authRequired: false, userId: 'u1' });
    store.commit('serverErrorReceived', {
      status: 'error',
      code: 'token_expired',
      message: 'the token has expired; connect again with a new one',
    });
    expect(store.state.connection.authRequired).toBe(true);
  });

  it('TokenForm shows only when a token is required and dispatches signIn with it', async () => {
    const transport = fakeTransport();
    transport.signIn.mockResolvedValue({ status: 'ok', expiresAt: null });
    const store = createAppStore(transport);
    wrapper = mountWithStore(TokenForm, store);
    expect(wrapper.find('[data-testid="token-form"]').exists()).toBe(false);

    store.commit('connectFailed', unauthorized('a token is required (auth.token)'));
    await flushPromises();
    expect(wrapper.get('[data-testid="token-error"]').text()).toBe(
      'a token is required (auth.token)',
    );
    await wrapper.get('[data-testid="token-input"]').setValue(' my.jwt.token ');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(transport.signIn).toHaveBeenCalledWith('my.jwt.token');
    expect(wrapper.get<HTMLInputElement>('[data-testid="token-input"]').element.value).toBe('');
  });

  it('a token the server refuses on a live socket is reported', async () => {
    const transport = fakeTransport();
    transport.signIn.mockResolvedValue({
      status: 'error',
      code: 'forbidden',
      message: 'the new token is for another user',
    });
    const store = createAppStore(transport);
    await expect(store.dispatch('signIn', 'other.user.token')).resolves.toBe(false);
    expect(store.state.connection).toMatchObject({
      authRequired: true,
      lastError: 'the new token is for another user',
    });
  });
});

describe('own messages with authentication', () => {
  it('are the ones whose sender is our user id', () => {
    const store = createAppStore(fakeTransport());
    store.commit('connected', 'socket0000000000001');
    store.commit('sessionStarted', { node: 'node-a', recovered: false, userId: 'user-1' });
    const message = { id: 'm1', text: 'hi', node: 'node-a', sentAt: 0 };
    expect(isOwnMessage(store.state, { ...message, sender: 'user-1' })).toBe(true);
    expect(isOwnMessage(store.state, { ...message, sender: 'socket0000000000001' })).toBe(false);
  });
});
