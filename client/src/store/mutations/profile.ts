import type { State } from '../state';

export const profileMutations = {
  profileSaving(state: State) {
    state.profile.saving = true;
    state.profile.error = null;
  },

  profileSaved(state: State, name: string) {
    state.profile = { name, saving: false, error: null };
  },

  profileFailed(state: State, message: string) {
    state.profile.saving = false;
    state.profile.error = message;
  },
};
