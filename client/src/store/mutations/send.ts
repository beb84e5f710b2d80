import type { State } from '../state';

export const sendMutations = {
  sendStarted(state: State) {
    state.lastSend = { status: 'pending' };
  },

  sendSucceeded(state: State, id: string) {
    state.lastSend = { status: 'ok', id };
  },

  sendFailed(state: State, message: string) {
    state.lastSend = { status: 'error', message };
  },
};
