import type { BroadcastMessage } from '@contract';
import type { State } from './state';

export function isOwnMessage(state: State, message: BroadcastMessage): boolean {
  return state.connection.ownSocketIds.includes(message.sender);
}

export function canSend(state: State): boolean {
  return state.connection.status === 'connected' && state.lastSend.status !== 'pending';
}
