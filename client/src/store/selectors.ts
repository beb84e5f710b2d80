import type { BroadcastMessage, PresenceMember } from '@contract';
import { shortId } from '../format';
import { LOBBY, type State } from './state';

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

/** The messages of the room on screen; the lobby's are those sent without a room. */
export function currentMessages(state: State): BroadcastMessage[] {
  const { current } = state.rooms;
  return state.messages.filter((message) => (message.room ?? LOBBY) === current);
}

/** Joining rides the same queue as sends, so only 'offline' refuses it. One join at a time. */
export function canJoinRoom(state: State): boolean {
  return state.connection.status !== 'offline' && !state.rooms.joining;
}

/**
 * Our socket in presence lists: the latest id this tab had, so "(you)" stays put while a dropped
 * connection is restored, and moves to the new id when a new session starts.
 */
export function ownPresenceId(state: State): string | null {
  return state.connection.socketId ?? state.connection.ownSocketIds.at(-1) ?? null;
}

export interface OnlineMember extends PresenceMember {
  own: boolean;
}

/** The room's members, ours first and the rest by name, or null before the first list. */
export function onlineMembers(state: State, room: string): OnlineMember[] | null {
  const presence = state.presence[room];
  if (!presence?.loaded) return null;
  const ownId = ownPresenceId(state);
  return Object.values(presence.members)
    .map((member) => ({ ...member, own: member.socketId === ownId }))
    .sort(
      (a, b) =>
        Number(b.own) - Number(a.own) ||
        memberLabel(a).localeCompare(memberLabel(b)) ||
        a.socketId.localeCompare(b.socketId),
    );
}

/** How many sockets are in the room, or null before the first list (and always for the lobby). */
export function onlineCount(state: State, room: string): number | null {
  const presence = state.presence[room];
  return presence?.loaded ? Object.keys(presence.members).length : null;
}

/** A member's name, or a short socket id: names are optional. */
export function memberLabel(member: PresenceMember): string {
  return member.name ?? shortId(member.socketId);
}
