import type { ErrorEnvelope } from '@contract';
import type { State } from '../state';

export const serverErrorMutations = {
  serverErrorReceived(state: State, error: ErrorEnvelope) {
    state.serverError = error;
    // The server disconnects right after; only a new token brings the connection back.
    if (error.code === 'token_expired') state.connection.authRequired = true;
  },

  serverErrorDismissed(state: State) {
    state.serverError = null;
  },
};
