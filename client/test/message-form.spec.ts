import { flushPromises, type DOMWrapper, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import MessageForm from '../src/components/MessageForm.vue';
import { createAppStore } from '../src/store';
import { SEND_TIMEOUT_MESSAGE } from '../src/store/actions';
import {
  CLIENT_MSG_ID,
  OWN_SOCKET_ID,
  connectedStore,
  deferred,
  fakeTransport,
  invalidAck,
  mountWithStore,
  okAck,
} from './helpers';

let wrapper: VueWrapper | undefined;
afterEach(() => wrapper?.unmount());

function mountForm(store = connectedStore()) {
  // Attached to the document so focus can be observed.
  wrapper = mountWithStore(MessageForm, store, { attachTo: document.body });
  return {
    wrapper,
    input: wrapper.get<HTMLInputElement>('[data-testid="message-input"]'),
    button: wrapper.get<HTMLButtonElement>('[data-testid="send-button"]'),
  };
}

/**
 * jsdom has no implicit form submission, so do what a browser does for Enter in a text field:
 * click the form's default button, which does nothing when that button is disabled.
 */
async function pressEnter(input: Omit<DOMWrapper<HTMLInputElement>, 'exists'>) {
  await input.trigger('keydown', { key: 'Enter' });
  input.element.form?.querySelector<HTMLButtonElement>('button[type="submit"]')?.click();
  await flushPromises();
}

describe('MessageForm', () => {
  it('sends the trimmed text on Enter, then clears the input and keeps focus', async () => {
    const transport = fakeTransport();
    transport.send.mockResolvedValue(okAck('m-1'));
    const store = connectedStore(transport);
    const dispatch = vi.spyOn(store, 'dispatch');
    const { input } = mountForm(store);

    input.element.focus();
    await input.setValue('  hello there  ');
    await pressEnter(input);

    expect(dispatch).toHaveBeenCalledWith('send', 'hello there');
    expect(transport.send).toHaveBeenCalledWith({
      text: 'hello there',
      clientMsgId: expect.stringMatching(CLIENT_MSG_ID),
    });
    expect(input.element.value).toBe('');
    expect(document.activeElement).toBe(input.element);
  });

  it('refocuses the input after a click on Send', async () => {
    const transport = fakeTransport();
    transport.send.mockResolvedValue(okAck('m-1'));
    const { input, button } = mountForm(connectedStore(transport));

    await input.setValue('hi');
    button.element.focus();
    await button.trigger('click');
    await flushPromises();

    expect(document.activeElement).toBe(input.element);
  });

  it('does not send blank text', async () => {
    const transport = fakeTransport();
    const { input, button } = mountForm(connectedStore(transport));

    expect(button.element.disabled).toBe(true);
    await input.setValue('   ');
    expect(button.element.disabled).toBe(true);

    await pressEnter(input);
    await wrapper?.get('form').trigger('submit');
    await flushPromises();

    expect(transport.send).not.toHaveBeenCalled();
  });

  it("shows the server's error and keeps the text when the ack is an error", async () => {
    const transport = fakeTransport();
    transport.send.mockResolvedValue(invalidAck('text must not be empty'));
    const { wrapper, input } = mountForm(connectedStore(transport));

    await input.setValue('hello');
    await pressEnter(input);

    const error = wrapper.get('[data-testid="send-error"]');
    expect(error.attributes('role')).toBe('alert');
    expect(error.text()).toBe('text must not be empty');
    expect(input.element.value).toBe('hello');
    expect(input.attributes('aria-invalid')).toBe('true');
    expect(input.attributes('aria-describedby')).toBe(error.attributes('id'));
  });

  it('explains a send that failed after every retry, and keeps the text', async () => {
    const transport = fakeTransport();
    transport.send.mockRejectedValue(new Error('operation has timed out'));
    const { wrapper, input } = mountForm(connectedStore(transport));

    await input.setValue('hello');
    await pressEnter(input);

    expect(wrapper.get('[data-testid="send-error"]').text()).toBe(SEND_TIMEOUT_MESSAGE);
    expect(input.element.value).toBe('hello');
  });

  it('keeps text typed while the ack was in flight', async () => {
    const transport = fakeTransport();
    const ack = deferred<ReturnType<typeof okAck>>();
    transport.send.mockReturnValue(ack.promise);
    const { input, button } = mountForm(connectedStore(transport));

    await input.setValue('first');
    await pressEnter(input);
    expect(button.element.disabled).toBe(true);

    await input.setValue('second');
    ack.resolve(okAck('m-1'));
    await flushPromises();

    expect(input.element.value).toBe('second');
    expect(button.element.disabled).toBe(false);
  });

  it('shows the pending state while the ack is awaited', async () => {
    const transport = fakeTransport();
    const ack = deferred<ReturnType<typeof okAck>>();
    transport.send.mockReturnValue(ack.promise);
    const { wrapper, input, button } = mountForm(connectedStore(transport));
    expect(wrapper.find('[data-testid="send-pending"]').exists()).toBe(false);

    await input.setValue('hello');
    await pressEnter(input);

    const pending = wrapper.get('[data-testid="send-pending"]');
    expect(pending.text()).toBe('Sending…');
    expect(pending.attributes('data-queued')).toBe('false');
    expect(pending.element.parentElement?.getAttribute('role')).toBe('status');
    expect(button.attributes('aria-busy')).toBe('true');
    expect(input.element.value).toBe('hello');

    ack.resolve(okAck('m-1'));
    await flushPromises();
    expect(wrapper.find('[data-testid="send-pending"]').exists()).toBe(false);
    expect(button.attributes('aria-busy')).toBe('false');
  });

  it('queues a message typed while reconnecting and says it waits for the connection', async () => {
    const transport = fakeTransport();
    const ack = deferred<ReturnType<typeof okAck>>();
    transport.send.mockReturnValue(ack.promise);
    const store = connectedStore(transport);
    store.commit('disconnected', true);
    const { wrapper, input, button } = mountForm(store);

    await input.setValue('hello');
    expect(button.element.disabled).toBe(false);
    await pressEnter(input);

    expect(transport.send).toHaveBeenCalledOnce();
    const pending = wrapper.get('[data-testid="send-pending"]');
    expect(pending.attributes('data-queued')).toBe('true');
    expect(pending.text()).toMatch(/waiting for the connection/i);

    store.commit('connected', OWN_SOCKET_ID);
    await flushPromises();
    expect(wrapper.get('[data-testid="send-pending"]').text()).toBe('Sending…');

    ack.resolve(okAck('m-1'));
    await flushPromises();
    expect(input.element.value).toBe('');
  });

  it('allows Send while connecting or reconnecting, but not while offline', async () => {
    const store = createAppStore(fakeTransport());
    const { input, button } = mountForm(store);

    await input.setValue('hello');
    expect(store.state.connection.status).toBe('connecting');
    expect(button.element.disabled).toBe(false);

    store.commit('connected', 'someSocketId00000001');
    store.commit('disconnected', true);
    await flushPromises();
    expect(button.element.disabled).toBe(false);

    store.commit('disconnected', false);
    await flushPromises();
    expect(button.element.disabled).toBe(true);
  });

  it('labels the input and limits its length', () => {
    const { wrapper, input } = mountForm();

    const label = wrapper.get(`label[for="${input.attributes('id')}"]`);
    expect(label.text()).toBe('Message');
    expect(input.attributes('maxlength')).toBe('2000');
  });
});
