import { flushPromises, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import ProfileForm from '../src/components/ProfileForm.vue';
import { PROFILE_TIMEOUT_MESSAGE } from '../src/store/actions';
import {
  connectedStore,
  deferred,
  fakeTransport,
  invalidAck,
  mountWithStore,
  nameAck,
  reconnect,
} from './helpers';

let wrapper: VueWrapper | undefined;
afterEach(() => wrapper?.unmount());

function mountProfile(store = connectedStore()) {
  wrapper = mountWithStore(ProfileForm, store);
  return {
    wrapper,
    input: wrapper.get<HTMLInputElement>('[data-testid="name-input"]'),
    save: wrapper.get<HTMLButtonElement>('[data-testid="name-save"]'),
    profileName: () => wrapper!.find('[data-testid="profile-name"]'),
    error: () => wrapper!.find('[data-testid="name-error"]'),
  };
}

describe('ProfileForm', () => {
  it('labels the input and limits it to the contract length', () => {
    const { wrapper, input, profileName } = mountProfile();

    expect(wrapper.get(`label[for="${input.attributes('id')}"]`).text()).toBe('Display name');
    expect(input.attributes('maxlength')).toBe('40');
    expect(profileName().exists()).toBe(false);
  });

  it('dispatches setProfile on Save and shows the name the server confirmed', async () => {
    const transport = fakeTransport();
    const ack = deferred<ReturnType<typeof nameAck>>();
    transport.setProfile.mockReturnValue(ack.promise);
    const store = connectedStore(transport);
    const dispatch = vi.spyOn(store, 'dispatch');
    const { input, save, profileName } = mountProfile(store);

    expect(save.element.disabled).toBe(true);
    await input.setValue('  Ada  ');
    await save.trigger('submit');
    await flushPromises();

    expect(dispatch).toHaveBeenCalledWith('setProfile', '  Ada  ');
    expect(transport.setProfile).toHaveBeenCalledWith({ name: 'Ada' });
    expect(save.attributes('aria-busy')).toBe('true');
    expect(save.element.disabled).toBe(true);

    ack.resolve(nameAck('Ada'));
    await flushPromises();
    expect(profileName().text()).toBe('Ada');
    expect(input.element.value).toBe('Ada');
    // Saving the same name again would change nothing.
    expect(save.element.disabled).toBe(true);
  });

  it("shows the server's error next to the input and keeps the draft", async () => {
    const transport = fakeTransport();
    transport.setProfile.mockResolvedValue(invalidAck('name must not contain control characters'));
    const { input, save, error, profileName } = mountProfile(connectedStore(transport));

    await input.setValue('Ada\u0007');
    await save.trigger('submit');
    await flushPromises();

    expect(error().text()).toBe('name must not contain control characters');
    expect(error().attributes('role')).toBe('alert');
    expect(input.attributes('aria-invalid')).toBe('true');
    expect(input.attributes('aria-describedby')).toBe(error().attributes('id'));
    expect(input.element.value).toBe('Ada\u0007');
    expect(profileName().exists()).toBe(false);
  });

  it('explains a timeout', async () => {
    const transport = fakeTransport();
    transport.setProfile.mockRejectedValue(new Error('operation has timed out'));
    const { input, save, error } = mountProfile(connectedStore(transport));

    await input.setValue('Ada');
    await save.trigger('submit');
    await flushPromises();

    expect(error().text()).toBe(PROFILE_TIMEOUT_MESSAGE);
  });

  it('adopts the name a recovered session reports', async () => {
    const store = connectedStore();
    const { input, profileName } = mountProfile(store);

    reconnect(store, { recovered: true, name: 'Ada' });
    await flushPromises();

    expect(profileName().text()).toBe('Ada');
    expect(input.element.value).toBe('Ada');
  });

  it('keeps the draft when a new session drops the name, so Save restores it', async () => {
    const store = connectedStore();
    store.commit('profileSaved', 'Ada');
    const { input, save, profileName } = mountProfile(store);
    expect(input.element.value).toBe('Ada');

    reconnect(store, { recovered: false });
    await flushPromises();

    expect(profileName().exists()).toBe(false);
    expect(input.element.value).toBe('Ada');
    expect(save.element.disabled).toBe(false);
  });

  it('does not overwrite a name being typed when the session reports one', async () => {
    const store = connectedStore();
    const { input } = mountProfile(store);

    await input.setValue('Grace');
    reconnect(store, { recovered: true, name: 'Ada' });
    await flushPromises();

    expect(input.element.value).toBe('Grace');
  });

  it('disables Save while offline', async () => {
    const store = connectedStore();
    const { input, save } = mountProfile(store);
    await input.setValue('Ada');
    expect(save.element.disabled).toBe(false);

    store.commit('disconnected', false);
    await flushPromises();

    expect(save.element.disabled).toBe(true);
  });
});
