import type { ErrorEnvelope } from '@contract';
import type { State } from '../state';

export const serverErrorMutations = {
  serverErrorReceived(state: State, error: ErrorEnvelope) {
    state.serverError = error;
  },

  serverErrorDismissed(state: State) {
    state.serverError = null;
  },
};
