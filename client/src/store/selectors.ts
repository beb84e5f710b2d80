import type { BroadcastMessage } from '@contract';
import type { State } from './state';

export function isOwnMessage(state: State, message: BroadcastMessage): boolean {
  const { userId, ownSocketIds } = state.connection;
  // With authentication the sender is the user id, the same across tabs and reconnects.
  return userId !== null ? message.sender === userId : ownSocketIds.includes(message.sender);
}

/**
 * Sends survive a dropped connection (socket.io queues and re-sends them), so only 'offline',
 * where socket.io stopped reconnecting, refuses them. One message is in flight at a time.
 */
export function canSend(state: State): boolean {
  return state.connection.status !== 'offline' && state.lastSend.status !== 'pending';
}

/** The same rule for `set_profile`, which rides the same queue. */
export function canSaveProfile(state: State): boolean {
  return state.connection.status !== 'offline' && !state.profile.saving;
}
