import type { BroadcastMessage } from '@contract';
import { LOBBY, MAX_MESSAGES, type State } from '../state';
import { isOwnMessage } from '../selectors';
import { countUnread } from './rooms';

export const messageMutations = {
  broadcastReceived(state: State, message: BroadcastMessage) {
    // Session recovery can replay a message we already have.
    if (state.messages.some((known) => known.id === message.id)) return;
    // Messages never change once received; a frozen copy also skips Vue's deep reactivity.
    state.messages.push(Object.freeze({ ...message }));
    if (state.messages.length > MAX_MESSAGES) {
      state.messages.splice(0, state.messages.length - MAX_MESSAGES);
    }
    // What you sent yourself is not news, even if you switched rooms before it came back.
    if (!isOwnMessage(state, message)) countUnread(state.rooms, message.room ?? LOBBY);
  },
};
