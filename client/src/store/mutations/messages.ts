import type { BroadcastMessage } from '@contract';
import { MAX_MESSAGES, type State } from '../state';

export const messageMutations = {
  broadcastReceived(state: State, message: BroadcastMessage) {
    // Session recovery can replay a message we already have.
    if (state.messages.some((known) => known.id === message.id)) return;
    // Messages never change once received; a frozen copy also skips Vue's deep reactivity.
    state.messages.push(Object.freeze({ ...message }));
    if (state.messages.length > MAX_MESSAGES) {
      state.messages.splice(0, state.messages.length - MAX_MESSAGES);
    }
  },
};
