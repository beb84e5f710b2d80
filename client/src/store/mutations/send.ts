import type { State, UnconfirmedSend } from '../state';

export const sendMutations = {
  sendStarted(state: State, send: UnconfirmedSend) {
    state.lastSend = { status: 'pending', ...send };
  },

  sendSucceeded(state: State, id: string) {
    state.lastSend = { status: 'ok', id };
  },

  /** `unconfirmed` is set when no verdict arrived, so the server may have the message already. */
  sendFailed(state: State, failure: { message: string; unconfirmed?: UnconfirmedSend }) {
    state.lastSend = {
      status: 'error',
      message: failure.message,
      unconfirmed: failure.unconfirmed ?? null,
    };
  },
};
