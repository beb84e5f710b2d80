import type { PresenceMember } from '../events/events.contract.js';
import {
  type Departure,
  type PresenceEntry,
  type PresenceStore,
  memberOf,
} from './presence.store.js';

/** Presence of a single process (the in-memory adapter): only this process can serve a member. */
export class LocalPresenceStore implements PresenceStore {
  private readonly rooms = new Map<string, Map<string, PresenceEntry>>();

  async put(room: string, entry: PresenceEntry) {
    const members = this.rooms.get(room) ?? new Map<string, PresenceEntry>();
    this.rooms.set(room, members);
    const previous = members.get(entry.socketId);
    const stored = { ...entry, joinedAt: previous?.joinedAt ?? entry.joinedAt };
    members.set(entry.socketId, stored);
    return { created: !previous, member: memberOf(stored) };
  }

  async remove(room: string, socketId: string, owner?: string) {
    const members = this.rooms.get(room);
    const entry = members?.get(socketId);
    if (!entry || (owner !== undefined && entry.instance !== owner)) return undefined;
    this.delete(room, socketId);
    return memberOf(entry);
  }

  async detach(room: string, socketId: string, owner: string, until: number) {
    const entry = this.rooms.get(room)?.get(socketId);
    if (entry?.instance === owner) entry.detachedUntil = until;
  }

  async list(room: string, now: number): Promise<PresenceMember[]> {
    return [...(this.rooms.get(room)?.values() ?? [])]
      .filter((entry) => entry.detachedUntil === undefined || entry.detachedUntil > now)
      .map(memberOf);
  }

  async heartbeat() {
    return true;
  }

  async reap(_self: string, now: number): Promise<Departure[]> {
    const gone: Departure[] = [];
    for (const [room, members] of this.rooms) {
      for (const entry of members.values()) {
        if (entry.detachedUntil !== undefined && entry.detachedUntil <= now) {
          this.delete(room, entry.socketId);
          gone.push({ room, member: memberOf(entry) });
        }
      }
    }
    return gone;
  }

  private delete(room: string, socketId: string): void {
    const members = this.rooms.get(room);
    members?.delete(socketId);
    if (members?.size === 0) this.rooms.delete(room);
  }
}
